#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import JejakProjections

/// `jejak-bench`: the benchmarks (every figure beside this machine's own limit, measured in the
/// same run) and the stress harness of `Tools/crash-test.sh`. Apart from `jejak`, because it
/// measures raw LMDB itself and so links the storage layer, which the tool does not need.
@main
struct JejakBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jejak-bench",
        abstract: "Benchmarks against this machine's limits, and the crash-test harness.",
        discussion: """
            Examples:
              jejak-bench --quick            # under a minute
              jejak-bench                    # the full run
              jejak-bench stress setup --keys keys --ledger DIR
            """,
        subcommands: [BenchCommand.self, StressCommand.self],
        defaultSubcommand: BenchCommand.self)

    /// Runs the command, with SIGXFSZ ignored and SQLite set up as `jejak` sets them up.
    static func main() async {
        signal(SIGXFSZ, SIG_IGN)
        ReadModelDatabase.configureProcessForSerializedConnections()
        await main(nil)
    }
}
