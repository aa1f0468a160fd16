/// Display forms of secrets that identify a key without revealing it: a known vendor prefix, an
/// ellipsis and the last four characters (`sk-ant-…a1b2`).
///
/// A secret shorter than ``minimumRevealingLength`` characters is masked entirely (``fullMask``), and
/// a prefix is shown only when at least ``minimumHiddenLength`` characters stay hidden, so a mask never
/// gives away more than the prefix anyone can guess and four characters of a long random string.
///
/// For example:
/// ```swift
/// SecretMask.fingerprint("sk-ant-api03-Xb4…a1b2")  // "sk-ant-…a1b2"
/// SecretMask.fingerprint("AIzaSyD3…9QwE")           // "AIza…9QwE"
/// SecretMask.fingerprint("hunter2")                 // "••••"
/// ```
public enum SecretMask {
    /// Vendor prefixes kept in a fingerprint, longest first where one extends another
    /// (`sk-ant-` before `sk-`).
    public static let knownPrefixes: [String] = [
        "sk-ant-", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-or-v1-", "sk-", "AIza", "gsk_", "xai-",
        "pplx-", "hf_", "r8_", "nvapi-", "csk-", "fw_", "ghp_", "github_pat_",
    ]

    /// What a secret too short to fingerprint becomes.
    public static let fullMask = "••••"

    /// How many trailing characters a fingerprint keeps.
    public static let visibleSuffixLength = 4

    /// The shortest secret (in characters) whose last characters are shown.
    public static let minimumRevealingLength = 16

    /// How many characters must stay hidden for the prefix to be shown as well.
    public static let minimumHiddenLength = 12

    /// The display form of `secret` (surrounding whitespace ignored): prefix + `…` + last 4 characters,
    /// `…` + last 4 when no known prefix fits, or ``fullMask`` when the secret is short.
    ///
    /// For example:
    /// ```swift
    /// SecretMask.fingerprint("sk-proj-abcdefghijklmnopqrstuvwxyz0123")  // "sk-proj-…0123"
    /// SecretMask.fingerprint("0123456789abcdefXYZW")                    // "…XYZW"
    /// ```
    public static func fingerprint(_ secret: String) -> String {
        let characters = Array(secret.trimmingWhitespace())
        guard characters.count >= minimumRevealingLength else { return fullMask }
        let suffix = String(characters.suffix(visibleSuffixLength))
        let text = String(characters)
        if let prefix = knownPrefixes.first(where: { text.hasPrefix($0) }),
            characters.count - prefix.count - visibleSuffixLength >= minimumHiddenLength
        {
            return prefix + "…" + suffix
        }
        return "…" + suffix
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<max(start, end)]
    }
}
