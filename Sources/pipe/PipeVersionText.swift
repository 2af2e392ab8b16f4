import Pipeline

enum PipeVersionText {
    static var current: String { PipeVersion.current }
}
