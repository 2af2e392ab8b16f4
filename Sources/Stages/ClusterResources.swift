import Pipeline

// What each kind asks of a cluster (`pipe build --executor slurm`). Kept out of the kinds' own
// files on purpose: resources do not change a result, so they are not part of any code
// fingerprint, and tuning them here never invalidates a stored result.
//
// Figures were measured on the 2-core machine this project is built on (peak RSS of whole
// builds: Topic A 0.7 GB, Topic B on SmolLM2 1.25 GB), with room to spare; a 1B model needs
// more: `--set slurm.all.mem=8G`.

private let training = StageResources(cpus: 2, memoryMB: 2048, timeMinutes: 60)
private let languageModel = StageResources(cpus: 2, memoryMB: 3072, timeMinutes: 60)

// Seconds of work, or reading files only the coordinator may see: not worth a batch job.
extension LoadMNISTStage { public static var resources: StageResources { .coordinator } }
extension InitMLPs { public static var resources: StageResources { .coordinator } }
extension PermuteModels { public static var resources: StageResources { .coordinator } }
extension Evaluate { public static var resources: StageResources { .coordinator } }
extension PlotAccuracyStage { public static var resources: StageResources { .coordinator } }
extension ReportStage { public static var resources: StageResources { .coordinator } }
extension MissingModel { public static var resources: StageResources { .coordinator } }
// Needs PyPI, which compute nodes often cannot reach.
extension ModelWheel { public static var resources: StageResources { .coordinator } }
extension OwlTable { public static var resources: StageResources { .coordinator } }
extension EntanglementFigure { public static var resources: StageResources { .coordinator } }
extension GeometryFigure { public static var resources: StageResources { .coordinator } }
extension EntangledNumberChoice { public static var resources: StageResources { .coordinator } }
extension ClosestNumber { public static var resources: StageResources { .coordinator } }

// Minutes of BLAS on both cores.
extension TrainTeacher { public static var resources: StageResources { training } }
extension Distill { public static var resources: StageResources { training } }
extension ComputeTeacherLogits { public static var resources: StageResources { training } }

// A forward pass (or a thousand, for the number trie) over the whole model.
extension NextTokenDistribution { public static var resources: StageResources { languageModel } }
extension NumberProbabilities { public static var resources: StageResources { languageModel } }
extension NumberPromptDistribution { public static var resources: StageResources { languageModel } }
extension UnembeddingRowsExtraction { public static var resources: StageResources { languageModel } }
extension BaseInstructFigure { public static var resources: StageResources { languageModel } }
