import ArgumentParser
@testable import dcgan
import Foundation
import Testing

/// Every numeric option of every command, given 0, -1, values too large for any size, NaN and
/// infinity: each value outside the option's range is refused while the command line is read
/// (before any file is opened or anything allocated), on one line naming the option and its range.
/// The table is parsed in this process (as the tool parses it: hundreds of cases in well under a
/// second); the tool itself is run for the exit status and the one line it prints.
@Suite struct CommandLineOptionTests {
    /// An option, the arguments its command needs to get as far as reading it, its smallest
    /// value (only whether 0 is refused matters here), and whether any 64-bit value above it is
    /// allowed (seeds).
    struct Numeric: CustomStringConvertible {
        var command: [String]
        var option: String
        var lowest: Int
        var unbounded = false
        var description: String { (command + [option]).joined(separator: " ") }
    }

    static let commands: [String: ParsableCommand.Type] = [
        "train": TrainCommand.self, "sample": SampleCommand.self, "evaluate": EvaluateCommand.self, "animate": AnimateCommand.self,
        "bench": BenchCommand.self, "pack": DatasetCommand.Pack.self, "info": DatasetCommand.Info.self, "interpolate": InterpolateCommand.self,
        "arithmetic": ArithmeticCommand.self, "nearest": NearestCommand.self, "features": FeaturesCommand.self, "classify": ClassifyCommand.self,
        "visualize": VisualizeCommand.self, "forget": ForgetCommand.self, "import": ImportCommand.self,
    ]

    /// Commands that take no numeric option at all.
    static let withoutNumbers: Set<String> = ["export"]

    static let experiment = ["--checkpoint", "missing.dcgan", "--out", "unused"]

    static let options: [Numeric] = {
        let model = ["--image-size", "--channels", "--nz", "--ngf", "--ndf", "--hidden", "--threads"]
        var table = [Numeric]()
        for command in [["train"], ["bench"]] { table += model.map { Numeric(command: command, option: $0, lowest: 1) } }
        table += ["--batch-size", "--epochs", "--iterations", "--d-steps", "--log-every"].map { Numeric(command: ["train"], option: $0, lowest: 1) }
        table += ["--holdout", "--beta1", "--real-label", "--label-noise", "--sample-every", "--checkpoint-every", "--keep-last", "--eval-every"]
            .map { Numeric(command: ["train"], option: $0, lowest: 0) }
        table += ["--lr", "--lr-d", "--lr-g", "--minutes", "--weight-clip", "--collective-timeout"].map { Numeric(command: ["train"], option: $0, lowest: 1) }
        table.append(Numeric(command: ["train"], option: "--seed", lowest: 0, unbounded: true))
        table.append(Numeric(command: ["train"], option: "--eval-samples", lowest: 4))
        table.append(Numeric(command: ["train"], option: "--g-ema", lowest: 1))
        let importing = ["import", "--generator", "g.safetensors", "--output", "g.dcgan"]
        table += model.filter { $0 != "--threads" }.map { Numeric(command: importing, option: $0, lowest: 1) }
        let sample = ["sample", "--checkpoint", "missing.dcgan"]
        table += ["--count", "--columns", "--threads"].map { Numeric(command: sample, option: $0, lowest: 1) }
        table += [Numeric(command: sample, option: "--class", lowest: 0), Numeric(command: sample, option: "--seed", lowest: 0, unbounded: true)]
        table += ["--batch-size", "--iters"].map { Numeric(command: ["bench"], option: $0, lowest: 1) }
        table += ["--seconds", "--warmup"].map { Numeric(command: ["bench"], option: $0, lowest: 0) }
        table += [Numeric(command: ["evaluate"], option: "--count", lowest: 4), Numeric(command: ["evaluate"], option: "--classifier-epochs", lowest: 1),
                  Numeric(command: ["evaluate"], option: "--kid-subset-size", lowest: 2), Numeric(command: ["evaluate"], option: "--kid-subsets", lowest: 1),
                  Numeric(command: ["evaluate"], option: "--seed", lowest: 0, unbounded: true)]
        table.append(Numeric(command: ["animate", "run"], option: "--delay", lowest: 1))
        let pack = ["dataset", "pack", "src", "--dataset", "fake", "--out", "x.pack"]
        table += [Numeric(command: pack + ["--image-size", "8"], option: "--channels", lowest: 1),
                  Numeric(command: pack, option: "--image-size", lowest: 1),
                  Numeric(command: ["dataset", "info", "x.pack"], option: "--grid-count", lowest: 1)]
        let interpolate = ["interpolate"] + experiment
        table += ["--rows", "--steps", "--delay"].map { Numeric(command: interpolate, option: $0, lowest: 1) }
        table += [Numeric(command: interpolate, option: "--points", lowest: 2), Numeric(command: interpolate, option: "--seed", lowest: 0, unbounded: true)]
        let arithmetic = ["arithmetic", "--z", "z.npy"] + experiment
        table += [Numeric(command: arithmetic, option: "--columns", lowest: 1), Numeric(command: arithmetic, option: "--class", lowest: 0),
                  Numeric(command: arithmetic, option: "--seed", lowest: 0, unbounded: true)]
        let nearest = ["nearest"] + experiment
        table += ["--count", "--k", "--compare"].map { Numeric(command: nearest, option: $0, lowest: 1) }
        table.append(Numeric(command: nearest, option: "--seed", lowest: 0, unbounded: true))
        let features = ["features"] + experiment
        table += [Numeric(command: features, option: "--batch-size", lowest: 1), Numeric(command: features, option: "--seed", lowest: 0, unbounded: true)]
        let classify = ["classify", "--train", "a.npy", "--test", "b.npy"]
        table += ["--labels", "--draws"].map { Numeric(command: classify, option: $0, lowest: 1) }
        table.append(Numeric(command: classify, option: "--seed", lowest: 0, unbounded: true))
        let visualize = ["visualize"] + experiment
        table += [Numeric(command: visualize, option: "--layer", lowest: 0)] + ["--units", "--images"].map { Numeric(command: visualize, option: $0, lowest: 1) }
        table.append(Numeric(command: visualize, option: "--seed", lowest: 0, unbounded: true))
        let forget = ["forget", "--boxes", "b.json"] + experiment
        table += ["--count", "--columns", "--l2"].map { Numeric(command: forget, option: $0, lowest: 1) }
        table.append(Numeric(command: forget, option: "--seed", lowest: 0, unbounded: true))
        return table
    }()

    @Test func outOfRangeValuesAreRefusedOnOneLine() throws {
        // The table covers every command the tool has.
        let names = Set(DCGANCommand.configuration.subcommands.map { $0.configuration.commandName! })
        #expect(names == Set(Self.options.map { $0.command[0] }).union(Self.withoutNumbers))
        for numeric in Self.options { try refuses(numeric) }
    }

    private func refuses(_ numeric: Numeric) throws {
        var values = ["-1", "nan", "inf"]
        if numeric.lowest > 0 { values.append("0") }
        // Too large for every option but a seed, and 2^64 too large even for a seed.
        values += numeric.unbounded ? ["18446744073709551616"] : ["9223372036854775807", "4611686018427387904"]
        for value in values {
            // The subcommand's own parser, as `dcgan` hands the arguments on (parsing from the
            // root walks every command's options and is ten times slower).
            var words = numeric.command + [numeric.option, value]
            if words.first == "dataset" { words.removeFirst() }
            let command = try #require(Self.commands[words.removeFirst()])
            do {
                _ = try command.parse(words)
                Issue.record("\(numeric) \(value) was accepted")
            } catch {
                let message = command.message(for: error)
                #expect(command.exitCode(for: error) != .success)
                #expect(!message.contains("\n"), "\(numeric) \(value): \(message)")
                #expect(message.contains("'\(value)' is invalid for '\(numeric.option) <") && message.contains("must be"),
                        "\(numeric) \(value): \(message)")
            }
        }
    }

    @Test func theToolPrintsOneLineWithTheRange() throws {
        let outcome = try CommandLineTests.run(["train", "--lr", "-1"])
        #expect(outcome.stderr == "Error: The value '-1' is invalid for '--lr <lr>': must be a finite number in (0, 10]\n")
        let nz = try CommandLineTests.run(["sample", "--checkpoint", "x", "--count", "4611686018427387904"])
        #expect(nz.stderr == "Error: The value '4611686018427387904' is invalid for '--count <count>': must be an integer from 1 to 10000000\n")
    }
}
