import ArgumentParser
import DCGANKit

@main
struct DCGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcgan",
        abstract: "Train, sample and benchmark deep convolutional GANs (Radford et al., 2015) on the CPU.",
        version: Checkpoint.toolVersion,
        subcommands: [TrainCommand.self, SampleCommand.self, EvaluateCommand.self, AnimateCommand.self, BenchCommand.self, DatasetCommand.self, InterpolateCommand.self, ArithmeticCommand.self, NearestCommand.self, FeaturesCommand.self, ClassifyCommand.self, VisualizeCommand.self, ForgetCommand.self, ExportCommand.self, ImportCommand.self],
        defaultSubcommand: nil)
}
