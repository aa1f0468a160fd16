/// A byte-pair encoding known to costctl.
public enum TokenEncodingName: String, Sendable, CaseIterable {
    case cl100kBase = "cl100k_base"
    case o200kBase = "o200k_base"
}
