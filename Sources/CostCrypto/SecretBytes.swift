internal import CCostCrypto

/// Key material in memory this module owns, overwritten with zeros (`OPENSSL_cleanse`) when freed.
///
/// Swift arrays and `Data` may be copied by the runtime (on growth, on copy-on-write) and the old
/// storage is freed without being cleared; a fixed buffer allocated once and cleansed in `deinit`
/// avoids that for the keys we hold for a long time (the master key, the data key).
final class SecretBytes: @unchecked Sendable {
    // @unchecked Sendable: `storage` is written only inside `init` and cleared in `deinit`, when no
    // other reference can exist; in between it is only read, so concurrent readers are safe.
    private let storage: UnsafeMutableRawBufferPointer

    /// A buffer of `count` bytes filled by `initialize`; cleansed and freed if `initialize` throws.
    init(count: Int, initialize: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            try initialize(buffer)
        } catch {
            Self.cleanse(buffer)
            buffer.deallocate()
            throw error
        }
        storage = buffer
    }

    /// A copy of `bytes`.
    convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count) { $0.copyMemory(from: bytes) }
    }

    deinit {
        Self.cleanse(storage)
        storage.deallocate()
    }

    var count: Int { storage.count }

    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// Overwrites `buffer` with zeros in a way the optimizer cannot remove.
    static func cleanse(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        OPENSSL_cleanse(base, buffer.count)
    }

    /// Overwrites the bytes of `array` with zeros (its current storage; earlier copies are beyond reach).
    static func cleanse(_ array: inout [UInt8]) {
        array.withUnsafeMutableBytes { cleanse($0) }
    }
}
