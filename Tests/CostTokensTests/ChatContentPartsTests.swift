import Foundation
import Testing

@testable import CostTokens

/// Chat messages whose content is a list of parts: text parts, and images inline or by URL.
@Suite("Chat content parts")
struct ChatContentPartsTests {
    /// A PNG header (signature and IHDR) of `width` × `height`: all the size reader needs.
    static func pngHeader(_ width: UInt32, _ height: UInt32) -> Data {
        var d = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
        for v in [width, height] { d.append(contentsOf: [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]) }
        d.append(contentsOf: [8, 2, 0, 0, 0])
        return d
    }

    @Test("image sizes are read from PNG, JPEG and GIF headers")
    func headers() {
        #expect(ImageHeader.size(of: Self.pngHeader(1024, 768))! == (1024, 768))
        // JPEG: SOI, an APP0 segment of 16 bytes, then SOF0 with height 600 and width 800
        var jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10])
        jpeg.append(Data(repeating: 0, count: 14))
        jpeg.append(contentsOf: [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0x01, 0x22, 0x00])
        #expect(ImageHeader.size(of: jpeg)! == (800, 600))
        let gif = Data([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x40, 0x01, 0xF0, 0x00])
        #expect(ImageHeader.size(of: gif)! == (320, 240))
        #expect(ImageHeader.size(of: Data("not an image".utf8)) == nil)
        let url = "data:image/png;base64," + Self.pngHeader(512, 512).base64EncodedString()
        #expect(ImageHeader.size(dataURL: url)! == (512, 512))
    }

    @Test("text parts and an inline image: the image by gpt-4o's tile rule, the text by both readings of parts")
    func inlineImage() throws {
        let url = "data:image/png;base64," + Self.pngHeader(1024, 768).base64EncodedString()
        let body = #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is in"}, {"type": "text", "text": " this image?"}, {"type": "image_url", "image_url": {"url": "\#(url)", "detail": "high"}}]}]}"#
        let request = try ChatRequest(json: Data(body.utf8))
        #expect(request.messages[0].textParts == ["What is in", " this image?"])
        #expect(request.messages[0].images == [ChatImage(width: 1024, height: 768, detail: .high)])
        let counter = try ChatTokenCounter(model: "gpt-4o")
        let e = try counter.count(request.messages, tools: [])
        // the same message as plain text, plus 1024×768 at high detail: 2×2 tiles, 85 + 4 × 170 = 765
        let plain = counter.count([ChatMessage(role: "user", content: "What is in this image?")])
        #expect(e.count == plain.count + 765)
        #expect(!e.isExact)
    }

    @Test("an image by URL counts the range of its detail over every size")
    func unknownSize() throws {
        let counter = try ChatTokenCounter(model: "gpt-4o")
        let low = try ImageTokenCounter.openAIUnknownSize(detail: .low, model: "gpt-4o")
        #expect(low.lower == 85 && low.upper == 85)
        let high = try ImageTokenCounter.openAIUnknownSize(detail: .high, model: "gpt-4o")
        // the smallest image is one tile (255); the most tiles fit 768 × 2,048: 2 × 4 tiles, 85 + 8 × 170
        #expect(high.lower == 255 && high.upper == 1_445 && high.count == 1_445 && !high.isExact)
        let message = ChatMessage(role: "user", content: "hi")
        var withImage = message
        withImage.images = [ChatImage(width: nil, height: nil, detail: .high)]
        let e = try counter.count([withImage], tools: [])
        #expect(e.lower == counter.count([message]).count + 255 && e.upper == counter.count([message]).count + 1_445)
    }

    @Test("audio and file parts are refused, naming the part")
    func otherParts() {
        let body = #"{"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}]}]}"#
        #expect {
            _ = try ChatRequest(json: Data(body.utf8))
        } throws: { error in
            (error as? CostTokensError)?.message.contains("messages[0].content[0] is a \"input_audio\" part") == true
        }
    }
}
