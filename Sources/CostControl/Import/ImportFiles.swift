internal import Foundation

/// Finding the files an import reads.
enum ImportFiles {
    /// The files to read, sorted: `paths` (directories searched recursively), or the format's
    /// default directories.
    ///
    /// - throws: ``ControlError`` `.notFound` (a path that does not exist, no default directory),
    ///   `.invalidInput` (a format without default directories and no path).
    static func discover(_ format: ImportFormat, paths: [String], environment: [String: String]) throws -> [String] {
        var roots = paths
        if roots.isEmpty {
            roots = defaultDirectories(format, environment: environment).filter { directoryExists($0) }
            if roots.isEmpty {
                let tried = defaultDirectories(format, environment: environment)
                if tried.isEmpty {
                    throw ControlError(
                        code: .invalidInput,
                        message: "import \(format.rawValue) needs a file or directory (example: costctl import \(format.rawValue) report.json)")
                }
                throw ControlError(
                    code: .notFound,
                    message: "no \(format.rawValue) logs found in \(tried.joined(separator: ", ")); pass the directory or files to import")
            }
        }
        var files: [String] = []
        for root in roots {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
                throw ControlError(code: .notFound, message: "\(root): no such file or directory")
            }
            if !isDirectory.boolValue {
                files.append(root)
                continue
            }
            files += try filesUnder(root, extensions: extensions(format))
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0).inserted }
    }

    static func defaultDirectories(_ format: ImportFormat, environment: [String: String]) -> [String] {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        switch format {
        case .claudeCode:
            if let configured = environment["CLAUDE_CONFIG_DIR"], !configured.trimmingCharacters(in: .whitespaces).isEmpty {
                // Each entry is a Claude configuration directory (holding projects/); an entry that
                // is itself a projects directory is taken as it is.
                return configured.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    .map { dir in
                        let projects = (dir as NSString).appendingPathComponent("projects")
                        return directoryExists(projects) || !directoryExists(dir) ? projects : dir
                    }
            }
            return [home + "/.config/claude/projects", home + "/.claude/projects"]
        case .codex:
            let codexHome = environment["CODEX_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.codex"
            return [(codexHome as NSString).appendingPathComponent("sessions")]
        default:
            return []
        }
    }

    static func extensions(_ format: ImportFormat) -> Set<String> {
        switch format {
        case .claudeCode, .codex, .jsonl: ["jsonl"]
        case .csv: ["csv"]
        case .liteLLM: ["csv", "json", "jsonl"]
        case .openAIUsage, .openAICosts, .anthropicUsage, .anthropicCosts: ["json", "jsonl"]
        }
    }

    static func directoryExists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func filesUnder(_ root: String, extensions: Set<String>) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw ControlError(code: .io, message: "cannot list \(root)")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let ext = (relative as NSString).pathExtension.lowercased()
            guard extensions.contains(ext) else { continue }
            let full = (root as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(full)
            }
        }
        return files.sorted()
    }

    /// Claude Code's project: the directory right under `projects/` (Claude Code names it after the
    /// project's path, `-home-alice-src-app`), else the file's directory name.
    static func claudeProject(of path: String) -> String {
        let components = (path as NSString).pathComponents
        if let index = components.lastIndex(of: "projects"), index + 2 < components.count {
            return components[index + 1]
        }
        return ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
