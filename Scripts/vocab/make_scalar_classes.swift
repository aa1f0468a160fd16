// Writes Sources/CostTokens/Resources/scalar_classes.ctsc: the pre-tokenizer's class bits for
// every Unicode scalar, as of Unicode 16.0 (the tables of tiktoken 0.14's regex engine), so that
// the tokenizer does not depend on the Unicode version of the toolchain that builds it.
//
//   swiftc -O Scripts/vocab/make_scalar_classes.swift -o /tmp/make_scalar_classes
//   /tmp/make_scalar_classes Sources/CostTokens/Resources/scalar_classes.ctsc
//
// Needs a toolchain whose Unicode tables are 16.0 or newer (Swift 6.3 has 17.0); scalars assigned
// after 16.0 get no class. Layout (little-endian): magic "CTSCLS01", u32 Unicode major, u32 minor,
// u32 number of distinct 256-scalar blocks B, 4352 u16 block numbers (one per 256 scalars), B x 256
// class bytes, then the SHA-256 of everything before it (checked by the loader; computed here with
// /usr/bin/sha256sum, so run it on Linux or macOS with coreutils' sha256sum).
// Class bits: 1 letter, 2 number, 4 White_Space, 8 mark, 16 upper-ish (Lu Lt Lm Lo M),
// 32 lower-ish (Ll Lm Lo M), 64 CR or LF — the same as Sources/CostTokens/ScalarClass.swift.

import Foundation

let major = 16
let minor = 0

func bits(_ value: UInt32) -> UInt8 {
    guard let scalar = Unicode.Scalar(value) else { return 0 }
    let properties = scalar.properties
    guard let age = properties.age, age.major < major || (age.major == major && age.minor <= minor) else { return 0 }
    var bits: UInt8 = 0
    if properties.isWhitespace { bits |= 4 }
    if value == 0x0A || value == 0x0D { bits |= 64 }
    switch properties.generalCategory {
    case .uppercaseLetter, .titlecaseLetter: bits |= 1 | 16
    case .lowercaseLetter: bits |= 1 | 32
    case .modifierLetter, .otherLetter: bits |= 1 | 16 | 32
    case .nonspacingMark, .spacingMark, .enclosingMark: bits |= 8 | 16 | 32
    case .decimalNumber, .letterNumber, .otherNumber: bits |= 2
    default: break
    }
    return bits
}

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: make_scalar_classes OUT.ctsc\n".utf8))
    exit(2)
}
if let version = Unicode.Scalar(0x1C89)?.properties.age, version.major < major {
    FileHandle.standardError.write(Data("error: this toolchain's Unicode tables are older than \(major).\(minor)\n".utf8))
    exit(1)
}
var blocks: [[UInt8]] = []
var blockIDs: [[UInt8]: Int] = [:]
var index: [UInt16] = []
for block in 0..<UInt32(0x1100) {
    let content = (0..<UInt32(256)).map { bits(block << 8 | $0) }
    if let id = blockIDs[content] {
        index.append(UInt16(id))
    } else {
        blockIDs[content] = blocks.count
        index.append(UInt16(blocks.count))
        blocks.append(content)
    }
}
var out = Data("CTSCLS01".utf8)
func append32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { out.append(contentsOf: $0) } }
append32(major)
append32(minor)
append32(blocks.count)
for id in index { withUnsafeBytes(of: id.littleEndian) { out.append(contentsOf: $0) } }
for block in blocks { out.append(contentsOf: block) }
let body = URL(fileURLWithPath: CommandLine.arguments[1] + ".body")
try out.write(to: body)
let process = Process()
process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
process.arguments = ["sha256sum", body.path]
let pipe = Pipe()
process.standardOutput = pipe
try process.run()
process.waitUntilExit()
let hex = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
var digest: [UInt8] = []
var cursor = hex.startIndex
while cursor < hex.endIndex {
    let next = hex.index(cursor, offsetBy: 2)
    digest.append(UInt8(hex[cursor..<next], radix: 16) ?? 0)
    cursor = next
}
out.append(contentsOf: digest)
try out.write(to: URL(fileURLWithPath: CommandLine.arguments[1]))
try? FileManager.default.removeItem(at: body)
print("\(CommandLine.arguments[1]): Unicode \(major).\(minor), \(blocks.count) blocks, \(out.count) bytes")
