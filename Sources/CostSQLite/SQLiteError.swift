/// The one error type of CostSQLite: a code, a message a user can act on, and the SQLite result
/// code when there is one. Bound values never appear in messages.
public struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The database file could not be opened or created.
        public static let cannotOpen = Code(rawValue: "cannot-open")
        /// SQLite reported an error running a statement.
        public static let statement = Code(rawValue: "statement")
        /// The database was written by a newer costctl.
        public static let schemaTooNew = Code(rawValue: "schema-too-new")
        /// Another process held the database longer than the busy timeout.
        public static let busy = Code(rawValue: "busy")
        /// The database is not a costctl database, or is damaged.
        public static let corrupt = Code(rawValue: "corrupt")
        /// A value given to the store is not usable (a wrapped data key that is not JSON with ids).
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// The stored row is not the one the caller read (another process changed it first).
        public static let conflict = Code(rawValue: "conflict")
    }

    public var code: Code
    public var message: String
    /// The extended SQLite result code, when SQLite reported one.
    public var resultCode: Int32?

    public init(code: Code, message: String, resultCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.resultCode = resultCode
    }

    public var description: String { message }
}
