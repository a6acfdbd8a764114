import ArgumentParser
import DCGANKit
import Foundation

@main
struct DCGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcgan",
        abstract: "Train, sample and benchmark deep convolutional GANs (Radford et al., 2015) on the CPU.",
        version: Checkpoint.toolVersion,
        subcommands: [TrainCommand.self, SampleCommand.self, EvaluateCommand.self, AnimateCommand.self, BenchCommand.self, DatasetCommand.self, InterpolateCommand.self, ArithmeticCommand.self, NearestCommand.self, FeaturesCommand.self, ClassifyCommand.self, VisualizeCommand.self, ForgetCommand.self, ExportCommand.self, ImportCommand.self],
        defaultSubcommand: nil)

    /// ArgumentParser's `main`, except that a failure prints one line (without the usage text
    /// ArgumentParser adds to a bad option), so that every refusal reads the same way.
    static func main() {
        let command: ParsableCommand
        do { command = try parseAsRoot() } catch { exitOnOneLine(error) }
        do {
            var command = command
            try command.run()
        } catch { exitOnOneLine(error) }
    }

    private static func exitOnOneLine(_ error: Error) -> Never {
        let code = exitCode(for: error)
        // Help, --version and clean exits print as ArgumentParser prints them.
        guard code != .success else { exit(withError: error) }
        // A bare exit status (a run stopped by a signal) has said what it had to already.
        guard let text = message(for: error).split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) else {
            exit(withError: ExitCode(code.rawValue))
        }
        FileHandle.standardError.write(Data(("Error: " + text + "\n").utf8))
        exit(withError: ExitCode(code.rawValue))
    }
}
