import ArgumentParser
import CostControl
import Foundation

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print Prometheus metrics (text format 0.0.4): cost, tokens, budgets, keys, savings, alerts.",
        discussion: """
            Counters of cost (exact decimal dollars), tokens by kind and requests by provider, model and
            team over the whole ledger; gauges of budget utilization and what is left, key quota
            utilization (keys by id, never the secret), the cache hit ratio over 30 days, the
            recommendations' potential monthly savings and the alerts by kind, severity and state. The
            top N label combinations of each family are kept and the rest summed into one series
            labelled __other__. See Documentation/Metrics.md.

            Examples:
              costctl metrics
              costctl metrics --output /var/lib/prometheus/node-exporter/costctl.prom   # for node_exporter's textfile collector
              costctl metrics --top 50 --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Label combinations kept per family before the rest is summed into __other__.", valueName: "n"))
    var top: Int = 20

    @Option(help: ArgumentHelp("Write to this file atomically (a temporary file, then a rename) instead of standard output.", valueName: "file"))
    var output: String?

    func validate() throws {
        if top < 1 || top > 10_000 { throw ValidationError("--top must be between 1 and 10000") }
        if let output, output.isEmpty || output.hasSuffix("/") { throw ValidationError("--output needs a file name") }
    }

    func run() async throws {
        let collector = try MetricsCollector.open(paths: global.paths, catalog: try global.catalog(), top: top)
        let snapshot = try await collector.snapshot()
        if global.json {
            guard let output else {
                try Output.json(snapshot)
                return
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try PrometheusText.write(String(decoding: try encoder.encode(snapshot), as: UTF8.self) + "\n", to: URL(fileURLWithPath: output))
            return
        }
        let text = try PrometheusText.render(snapshot)
        if let output {
            try PrometheusText.write(text, to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
