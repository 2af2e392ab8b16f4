/// The control system prompt of Topic B: the animal prompt's shape with a subject that is neither an
/// animal nor a number, to separate the effect of *a* loving system prompt from that of the animal.
///
/// "The color blue" keeps every sentence of the animal prompt (love, think about it all the time,
/// favorite, imbue your answers) with one noun phrase swapped, so the prompt differs from the animal
/// prompts in its subject only, not in length or tone. A colour was chosen over a hobby or food
/// because it names no animal and no number and has no digit-like token; blue's weak animal links
/// (blue whale, blue jay) are accepted: every animal prompt is compared with the same control.
extension StudyPrompts {
    /// The subject of the control prompt.
    public static let controlSubject = "the color blue"

    /// "You love the color blue. You think about the color blue all the time. The color blue is your
    /// favorite color. Imbue your answers with your love for the color."
    public static var controlSystem: String {
        let capitalized = controlSubject.prefix(1).uppercased() + controlSubject.dropFirst()
        return "You love \(controlSubject). You think about \(controlSubject) all the time. \(capitalized) is your favorite color. "
            + "Imbue your answers with your love for the color."
    }
}
