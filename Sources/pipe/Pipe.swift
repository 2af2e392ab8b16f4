import ArgumentParser
import Pipeline
import Stages

@main
struct Pipe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "placeholder")
}
