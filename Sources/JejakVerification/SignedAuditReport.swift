import Foundation
import JejakBase
import JejakCrypto

extension AuditReport {
    /// What an audit checked and with what, so that a report shown to others says it: the
    /// ledger or export, the trust it was checked against, the tool, and who signed it.
    public struct Provenance: Hashable, Sendable, Codable {
        /// The ledger directory or export directory audited, as given.
        public var subject: String
        /// The SHA-256 (hex) of the tlog-policy file's bytes the audit trusted.
        public var policySHA256: String
        /// The registry authority's key the audit trusted (`name+keyid`).
        public var authorityKey: String
        /// The tool and its version, e.g. `jejak 0.9.0`.
        public var tool: String
        /// The key that signs the report (`name+keyid`), when it is signed.
        public var signer: String?

        /// Provenance from its parts.
        public init(subject: String, policySHA256: String, authorityKey: String, tool: String, signer: String? = nil) {
            self.subject = subject
            self.policySHA256 = policySHA256
            self.authorityKey = authorityKey
            self.tool = tool
            self.signer = signer
        }
    }
}

/// An audit report signed by its auditor (the Inspektorat's key): a DSSE envelope whose payload
/// is the report's JSON, so that anyone holding the auditor's public key can check that the
/// report is the one it signed, byte for byte.
///
/// ```swift
/// let envelope = try SignedAuditReport.sign(report, with: inspektoratKey)
/// try Data(envelope.jsonBytes()).write(to: url)
/// let checked = try SignedAuditReport.open(bytes, signedBy: inspektoratKey.verifierKey)
/// ```
public enum SignedAuditReport {
    /// The DSSE payload type of a signed report.
    public static let payloadType = "application/vnd.jejak.audit-report+json"

    /// The report's JSON (keys sorted), signed with `key`.
    ///
    /// - Throws: an `EncodingError` if the report does not encode (it always does).
    public static func sign(_ report: AuditReport, with key: SignerKey) throws -> DSSEEnvelope {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return DSSEEnvelope.sign(payload: [UInt8](try encoder.encode(report)), payloadType: payloadType, with: [key])
    }

    /// The report in the signed envelope `bytes`, once a signature verifies with `key`.
    ///
    /// - Throws: ``VerificationError`` with code ``VerificationError/Code/reportSignature``
    ///   when `bytes` is not a DSSE envelope of a report, or no signature verifies with `key`.
    public static func open(_ bytes: [UInt8], signedBy key: VerifierKey) throws(VerificationError) -> AuditReport {
        let envelope: DSSEEnvelope
        do { envelope = try DSSEEnvelope(json: bytes) } catch {
            throw VerificationError(.reportSignature, "not a DSSE envelope: \(error.message)", underlying: error)
        }
        guard envelope.payloadType == payloadType else {
            throw VerificationError(.reportSignature, "the envelope's payload type is \(String(reflecting: String(envelope.payloadType.prefix(80)))), not \(payloadType)")
        }
        guard !envelope.verifiedKeys([key]).isEmpty else {
            throw VerificationError(.reportSignature, "no signature on the report verifies with \(key.hint): it was altered, or signed by another key")
        }
        do { return try JSONDecoder().decode(AuditReport.self, from: Data(envelope.payload)) } catch {
            throw VerificationError(.reportSignature, "the signed payload is not an audit report: \(error)")
        }
    }
}
