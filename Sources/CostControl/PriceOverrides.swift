public import Foundation

/// The formats `costctl pricing import` reads.
public enum PriceFileFormat: String, Sendable, CaseIterable {
    /// LiteLLM's `model_prices_and_context_window.json` shape.
    case litellm
    /// costctl's own price-file format (Documentation/Pricing.md).
    case costctl
}

/// User price files (negotiated rates, private and local models) kept in the prices directory and
/// laid over the bundled catalog, later file names winning.
///
/// For example:
/// ```swift
/// let paths = ControlPaths()
/// let report = try PriceOverrides.importFile(URL(fileURLWithPath: "my-prices.json"), format: .litellm, into: paths.pricesDirectory)
/// let catalog = try PriceOverrides.catalog(paths: paths)   // bundled + every imported file
/// ```
public enum PriceOverrides {
    /// What an import did.
    public struct ImportReport: Sendable, Hashable, Codable {
        public var name: String
        public var destination: String
        public var format: String
        public var providers: Int
        public var models: Int
        public var unpricedModels: Int
        public var skipped: [String: String]
    }

    /// The override files in `directory`, in the order they are applied (by name).
    public static func files(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// The bundled catalog with every file of the prices directory, then `extraFiles`, laid over it.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` naming the file that is wrong.
    public static func catalog(paths: ControlPaths, extraFiles: [URL] = []) throws -> PriceCatalog {
        var catalog = try PriceCatalog.bundled()
        for url in files(in: paths.pricesDirectory) + extraFiles {
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw ControlError(code: .io, message: "cannot read price file \(url.path): \(error.localizedDescription)")
            }
            catalog = try catalog.overlaying(CatalogFile.decode(data, origin: url.lastPathComponent), origin: url.lastPathComponent)
        }
        return catalog
    }

    /// Validates a price file and stores it (in costctl format) in `directory` as `name.json`.
    /// Nothing is written unless the whole file is valid; the write is atomic.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` or ``ControlError``.
    public static func importFile(
        _ source: URL, format: PriceFileFormat, name: String? = nil, into directory: URL
    ) throws -> ImportReport {
        let data: Data
        do {
            data = try Data(contentsOf: source)
        } catch {
            throw ControlError(code: .io, message: "cannot read \(source.path): \(error.localizedDescription)")
        }
        let bundled = try PriceCatalog.bundled()
        let file: CatalogFile
        var skipped: [String: String] = [:]
        var unpriced = 0
        switch format {
        case .litellm:
            let converted = try LiteLLMImporter.convert(data, origin: source.lastPathComponent, catalog: bundled)
            file = converted.file
            skipped = converted.report.skipped
            unpriced = converted.report.unpriced
        case .costctl:
            file = try CatalogFile.decode(data, origin: source.lastPathComponent)
        }
        // validate: every price key, constraint and match clause must build
        let layer = try PriceCatalog(file: file)
        unpriced = format == .costctl ? layer.providers.flatMap(\.allModels).filter { !$0.isPriced }.count : unpriced
        let models = layer.providers.reduce(0) { $0 + $1.allModels.count }
        guard models > 0 else {
            throw ControlError(code: .invalidInput, message: "\(source.lastPathComponent) has no models to import")
        }
        let stem = name ?? source.deletingPathExtension().lastPathComponent
        guard !stem.isEmpty, stem.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ControlError(code: .invalidInput, message: "override name '\(stem)' may use letters, digits, '-', '_' and '.' only")
        }
        let destination = directory.appendingPathComponent(stem + ".json")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(file).write(to: destination, options: .atomic)
        } catch {
            throw ControlError(code: .io, message: "cannot write \(destination.path): \(error.localizedDescription)")
        }
        return ImportReport(
            name: stem, destination: destination.path, format: format.rawValue, providers: layer.providers.count,
            models: models, unpricedModels: unpriced, skipped: skipped)
    }

    /// Deletes an imported override by name.
    ///
    /// - throws: ``ControlError`` `.notFound` listing the names that exist.
    public static func remove(name: String, from directory: URL) throws {
        let url = directory.appendingPathComponent(name.hasSuffix(".json") ? name : name + ".json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            let names = files(in: directory).map { $0.deletingPathExtension().lastPathComponent }
            throw ControlError(
                code: .notFound,
                message: "no price override named '\(name)'" + (names.isEmpty ? " (there are none)" : "; there are: \(names.joined(separator: ", "))"))
        }
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw ControlError(code: .io, message: "cannot delete \(url.path): \(error.localizedDescription)")
        }
    }
}
