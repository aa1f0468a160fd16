extension CostTokensError.Code {
    /// An image width or height is zero, negative, or larger than 2,147,483,647 pixels.
    public static let invalidImageSize = CostTokensError.Code(rawValue: "invalid_image_size")
}

extension CostTokensError {
    /// Checks the size of an image before any token rule is applied.
    static func checkImageSize(width: Int, height: Int) throws {
        let limit = Int(Int32.max)
        guard (1...limit).contains(width), (1...limit).contains(height) else {
            throw CostTokensError(
                code: .invalidImageSize,
                message: "image size \(width)×\(height) is not valid; width and height must be whole pixels "
                    + "from 1 to \(limit)"
            )
        }
    }
}
