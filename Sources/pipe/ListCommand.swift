import ArgumentParser
import Foundation
import Pipeline

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List targets, stages (with their kinds) and, with --settings, the settings --set accepts.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Also list every setting with its type, default and current value.")
    var settings = false

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    struct Listing: Encodable {
        struct Item: Encodable { var name: String; var kind: String?; var summary: String }
        struct Setting: Encodable { var key: String; var type: String; var defaultValue: String; var value: String; var help: String }
        var targets: [Item]
        var stages: [Item]
        var settings: [Setting]
    }

    func run() throws {
        try reportingErrors {
            let pipeline = try Session(global).pipeline
            let listing = Listing(
                targets: pipeline.targets.map { .init(name: $0.name, kind: nil, summary: $0.summary) },
                stages: pipeline.stages.map { .init(name: $0.name, kind: $0.kind, summary: $0.summary) },
                settings: pipeline.settings.map { .init(key: $0.key, type: $0.type, defaultValue: $0.defaultValue,
                                                        value: $0.value, help: $0.help) })
            if json { return try Console.json(listing) }
            print("Targets:")
            let targetWidth = listing.targets.map(\.name.count).max() ?? 0
            for target in listing.targets { print("  " + target.name.padding(toLength: targetWidth, withPad: " ", startingAt: 0) + "  " + target.summary) }
            print("\nStages (\(listing.stages.count)):")
            let stageWidth = min(36, listing.stages.map(\.name.count).max() ?? 0)
            for stage in listing.stages {
                print("  " + stage.name.padding(toLength: max(stageWidth, stage.name.count), withPad: " ", startingAt: 0)
                      + "  [\(stage.kind!)] " + stage.summary)
            }
            if settings {
                print("\nSettings (--set KEY=VALUE):")
                for setting in listing.settings {
                    let changed = setting.value == setting.defaultValue ? "" : " (now \(setting.value))"
                    print("  \(setting.key) = \(setting.defaultValue)\(changed)  <\(setting.type)>\n      \(setting.help)")
                }
            } else {
                print("\n\(listing.settings.count) settings: `pipe list --settings` shows them.")
            }
        }
    }
}
