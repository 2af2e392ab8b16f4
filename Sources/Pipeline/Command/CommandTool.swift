import Foundation

/// Something a command depends on that its argv does not show (a Python package, a compiler),
/// identified by what a short command prints: that output is part of the stage's key, so
/// upgrading the tool reruns the stage and `pipe status` says `tool changed: torch (2.15.0 -> 2.16.0)`.
///
/// The identity command runs (once per pipe process) when a build or status first needs the
/// key, in the command's environment. If it fails, the stage fails before it starts, with
/// `install` as the fix.
public struct CommandTool: Sendable, Hashable {
    /// The name shown in reasons and errors ("torch").
    public var name: String
    /// What prints the identity (`python3 -c "import torch; print(torch.__version__)"`).
    public var argv: [String]
    /// The command that makes the tool available, shown when the identity command fails.
    public var install: String?

    public init(_ name: String, _ argv: [String], install: String? = nil) {
        self.name = name
        self.argv = argv
        self.install = install
    }

    /// `program --version`: the output most programs identify themselves with.
    public static func version(_ program: String, install: String? = nil) -> CommandTool {
        CommandTool(program, [program, "--version"], install: install)
    }

    /// The versions of Python packages as installed for `python`, read from their metadata
    /// (nothing is imported: a few tens of ms even for torch), with the interpreter's version.
    /// Missing packages fail with `python -m pip install` of them as the fix.
    public static func pythonPackages(_ packages: [String], python: String = "python3",
                                      install: String? = nil) -> CommandTool {
        let script = "import sys, importlib.metadata as m; print(sys.version.split()[0]); "
            + "[print(p, m.version(p)) for p in sys.argv[1:]]"
        return CommandTool(packages.joined(separator: "+"), [python, "-c", script] + packages,
                           install: install ?? "\(python) -m pip install " + packages.joined(separator: " "))
    }
}
