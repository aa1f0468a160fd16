import ArgumentParser
import CostControl
import Foundation

@main
struct Costctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "costctl",
        abstract: "What your LLM usage costs, exactly.",
        discussion: """
            Prices any model of the public price lists (genai-prices and LiteLLM, bundled), with your
            own overrides on top. Exit codes: 0 success, 1 error, 2 invalid usage, 3 a budget or quota said no.
            """,
        version: CostctlVersion.string,
        subcommands: [
            DemoCommand.self, RecordCommand.self, ImportCommand.self, UsageCommand.self, DailyCommand.self, WeeklyCommand.self,
            MonthlyCommand.self, SessionCommand.self, BlocksCommand.self, ReconcileCommand.self, ExportCommand.self,
            CompactCommand.self, ForgetCommand.self, RepriceCommand.self, CostCommand.self, EstimateCommand.self, TokensCommand.self,
            PricingCommand.self, BudgetCommand.self, CheckCommand.self, KeysCommand.self, PlansCommand.self, RecommendCommand.self,
            ForecastCommand.self, AnomaliesCommand.self, AlertsCommand.self, DoctorCommand.self,
            ReportCommand.self,
            DaemonCommand.self,
            MCPCommand.self,
            MetricsCommand.self, WatchCommand.self,
        ]
    )

    /// Runs the command and maps errors to the exit codes of ARCHITECTURE.md:
    /// 0 success, 1 error, 2 invalid usage.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(error)
        }
    }

    static func fail(_ error: any Error) -> Never {
        let json = CommandLine.arguments.contains("--json")
        switch error {
        case let e as PricingError:
            let usage: Set<PricingError.Code> = [.invalidUsage, .invalidAmount, .invalidDate, .invalidEvent, .invalidQuery]
            Output.error(code: e.code.rawValue, message: e.message, suggestions: e.suggestions, json: json)
            Foundation.exit(usage.contains(e.code) ? 2 : 1)
        case let e as ControlError:
            Output.error(code: e.code.rawValue, message: e.message, json: json)
            Foundation.exit(e.code == .invalidInput ? 2 : 1)
        case let e as SQLiteError:
            Output.error(code: e.code.rawValue, message: e.message, json: json)
            Foundation.exit(1)
        case let e as CryptoError:
            Output.error(code: e.code.rawValue, message: e.message, json: json)
            Foundation.exit(1)
        case let e as BudgetError:
            let usage: Set<BudgetError.Code> = [.invalidBudget, .invalidLadder, .invalidRequest]
            Output.error(code: e.code.rawValue, message: e.message, json: json)
            Foundation.exit(usage.contains(e.code) ? 2 : 1)
        case let e as OptimizerError:
            Output.error(code: e.code.rawValue, message: e.message, json: json)
            Foundation.exit(e.isInvalidUsage ? 2 : 1)
        case let e as RotationError:
            let usage: Set<RotationError.Code> = [.invalidKey, .invalidRequest]
            Output.error(code: e.code.rawValue, message: e.message, json: json)
            Foundation.exit(usage.contains(e.code) ? 2 : 1)
        case let e as CostTokensError:
            Output.error(code: e.code.rawValue, message: e.message, json: json)
            Foundation.exit(1)
        default:
            let code = exitCode(for: error)
            if code == .validationFailure {
                if json {
                    Output.error(code: "invalid-usage", message: message(for: error), json: true)
                } else {
                    FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                }
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

enum CostctlVersion {
    static let string = "0.1.0"
}
