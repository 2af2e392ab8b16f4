/// The new project's README and .gitignore.
enum TemplateReadme {
    static func text(name: String) -> String {
        #"""
        # \#(name)

        Experiments as a pipe pipeline: every stage's result is keyed by what determines it
        (parameters, input digests, code), built once, stored in `artifacts/` and reused.

            scripts/pipe build fit          # builds this project's pipe if a source changed, then the target
            scripts/pipe status fit         # what is stored, what would run, and why
            scripts/pipe list --settings    # the settings; change one with --set points.slope=3
            swift test                      # the stage kinds' tests

        - `Sources/Experiments/pipeline.swift`: the stages, settings and targets.
        - `Sources/StageKinds/`: stage kinds in Swift; `scripts/fit.py`: a command stage's program.
        - `results/<target>/`: each built target's files. `artifacts/`: the store (share it with
          `scripts/pipe remote add NAME URL` and `--remote NAME --push`).
        - Needs Swift 6.2 or later, libsqlite3-dev and libzstd-dev (scripts/pipe installs the two
          with apt-get on Debian or Ubuntu), and python3 for the `fit` stage.

        """#
    }

    static let gitignore = """
        # SwiftPM's build, pipe's store and the copies of built targets' files.
        .build/
        artifacts/
        results/

        """
}
