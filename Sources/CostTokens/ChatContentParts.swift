import Foundation

/// An image part of a chat message (OpenAI `{"type": "image_url", "image_url": {"url": …, "detail": …}}`).
public struct ChatImage: Sendable, Hashable {
    /// The size in pixels, when known (an inline `data:` URL of a PNG, JPEG or GIF); `nil` for an
    /// image by URL, whose size only the provider sees.
    public var width: Int?
    public var height: Int?
    public var detail: OpenAIImageDetail

    public init(width: Int?, height: Int?, detail: OpenAIImageDetail = .auto) {
        self.width = width
        self.height = height
        self.detail = detail
    }
}

/// Reads the pixel size from the first bytes of a PNG, JPEG or GIF, as the formats define their
/// headers (PNG's IHDR chunk, JPEG's start-of-frame segment, GIF's logical screen descriptor).
enum ImageHeader {
    static func size(of data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(1 << 20))
        func be16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
        func be32(_ i: Int) -> Int { be16(i) << 16 | be16(i + 2) }
        // PNG: signature, then the IHDR chunk (length, "IHDR", width, height)
        if bytes.count >= 24, bytes[0...7].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return (be32(16), be32(20))
        }
        // GIF87a / GIF89a: little-endian width and height after the 6-byte signature
        if bytes.count >= 10, bytes[0...2].elementsEqual([0x47, 0x49, 0x46]) {
            return (Int(bytes[6]) | Int(bytes[7]) << 8, Int(bytes[8]) | Int(bytes[9]) << 8)
        }
        // JPEG: walk the segments to a start-of-frame marker (C0–CF except C4, C8, CC)
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var i = 2
        while i + 9 < bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let length = be16(i + 2)
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                return (be16(i + 7), be16(i + 5))
            }
            guard length >= 2 else { return nil }
            i += 2 + length
        }
        return nil
    }

    /// The size of the image in a `data:image/…;base64,…` URL.
    static func size(dataURL: String) -> (width: Int, height: Int)? {
        guard dataURL.hasPrefix("data:"), let comma = dataURL.firstIndex(of: ","),
            dataURL[..<comma].hasSuffix(";base64"),
            let data = Data(base64Encoded: String(dataURL[dataURL.index(after: comma)...]), options: .ignoreUnknownCharacters)
        else { return nil }
        return size(of: data)
    }
}

extension ChatRequest {
    /// A message whose content is a list of parts: its text parts, and its images.
    static func parts(_ list: [Any], message index: Int) throws -> (texts: [String], images: [ChatImage]) {
        var texts: [String] = []
        var images: [ChatImage] = []
        for (j, item) in list.enumerated() {
            let path = "messages[\(index)].content[\(j)]"
            guard let part = item as? [String: Any], let type = part["type"] as? String else {
                throw CostTokensError.invalidRequest("\(path) has no \"type\"")
            }
            switch type {
            case "text":
                texts.append(part["text"] as? String ?? "")
            case "image_url":
                let image = part["image_url"] as? [String: Any] ?? [:]
                guard let url = image["url"] as? String ?? (part["image_url"] as? String), !url.isEmpty else {
                    throw CostTokensError.invalidRequest("\(path) is an image_url part with no \"url\"")
                }
                var detail = OpenAIImageDetail.auto
                if let text = image["detail"] as? String {
                    guard let d = OpenAIImageDetail(rawValue: text) else {
                        throw CostTokensError.invalidRequest("\(path).image_url.detail '\(text)' is not low, high or auto")
                    }
                    detail = d
                }
                if url.hasPrefix("data:") {
                    guard let size = ImageHeader.size(dataURL: url) else {
                        throw CostTokensError.invalidRequest(
                            "\(path): the inline image is not a PNG, JPEG or GIF whose size can be read; give its size to the image counter instead")
                    }
                    images.append(ChatImage(width: size.width, height: size.height, detail: detail))
                } else {
                    images.append(ChatImage(width: nil, height: nil, detail: detail))
                }
            default:
                throw CostTokensError.invalidRequest(
                    "\(path) is a \"\(type)\" part; only text and image_url parts are counted (OpenAI publishes no token rule for the others)")
            }
        }
        return (texts, images)
    }
}
