import Foundation
import JejakAPI
import JejakTlog
import Synchronization

/// The largest checkpoint a client has verified, kept in memory and, when configured, in a
/// file (written atomically, so a crash leaves the old one or the new one).
final class CheckpointPin: Sendable {
    private let state: Mutex<SignedCheckpoint?>
    private let file: String?

    /// Loads the pinned checkpoint from `file`, if it names one that exists.
    ///
    /// - Throws: ``APIError/Code/unverifiedResponse`` when the file holds no signed checkpoint.
    init(file: String?) throws(APIError) {
        self.file = file
        var loaded: SignedCheckpoint?
        if let file, let data = FileManager.default.contents(atPath: file) {
            do { loaded = try SignedCheckpoint(parsing: String(decoding: data, as: UTF8.self)) } catch {
                throw APIError(.unverifiedResponse, "\(file) does not hold a signed checkpoint: \(error.message)", underlying: error)
            }
        }
        state = Mutex(loaded)
    }

    /// The pinned checkpoint.
    var current: SignedCheckpoint? { state.withLock { $0 } }

    /// Pins `checkpoint` if it is larger than the pinned one (the caller has checked the two
    /// are consistent).
    func advance(to checkpoint: SignedCheckpoint) throws(APIError) {
        let changed = state.withLock { pinned -> Bool in
            guard (pinned?.checkpoint.size ?? 0) < checkpoint.checkpoint.size || pinned == nil else { return false }
            pinned = checkpoint
            return true
        }
        guard changed, let file else { return }
        try DurableFile.replace(file, with: Array(checkpoint.note.serialized.utf8))
    }
}
