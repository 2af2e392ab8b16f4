/// The new project's executable: its main.swift and pipeline.swift.
enum TemplatePipeline {
    static let main = #"""
        // This project's `pipe`: the whole command line (build, status, show, remote, ...) over
        // the pipeline that definePipeline (pipeline.swift) declares.
        import PipeCommandLine

        PipeMain.run(definePipeline)

        """#

    static let pipeline = #"""
        // The experiments: settings, stages and targets. `scripts/pipe list --settings` shows the
        // settings; `scripts/pipe build fit --set points.slope=3` builds with another value.
        import Pipeline
        import StageKinds

        /// Declares every stage and target; pipe calls it with the command line's settings.
        func definePipeline(_ p: PipelineBuilder) throws {
            let c = p.config
            let count = try c.int("points.count", 1000, "how many points make-points draws")
            let slope = try c.double("points.slope", 2.5, "slope of the line the points lie near")
            let noise = try c.double("points.noise", 0.1, "standard deviation of the noise on y")
            let seed = try c.int("seed", 0, "seed of the noise")

            // A stage in Swift (Sources/StageKinds/MakePoints.swift). Its key: the kind, these
            // parameters and the digests of its target's sources.
            let points = p.stage("points", MakePoints.self,
                                 .init(count: count, slope: slope, intercept: 1, noise: noise, seed: UInt64(seed)))

            // A stage that runs a program. Its key: the argv, the digests of the script and of the
            // input, and python3 itself. It runs in a scratch directory holding copies of its
            // inputs, at the paths given here, and must write its declared outputs there.
            let fit = p.command("fit", ["python3", "scripts/fit.py", "points.csv", "fit.json"],
                                files: ["scripts/fit.py"],
                                inputs: ["points.csv": points["points.csv"]],
                                outputs: ["fit.json"],
                                summary: "least-squares line through the points (Python)")

            p.target("points", points, summary: "the noisy points, as CSV")
            p.target("fit", fit, summary: "the fitted slope and intercept, as JSON")
        }

        """#
}
