import Foundation

/// Finds model snapshots in the standard Hugging Face hub cache ($HF_HOME/hub, default ~/.cache/huggingface/hub).
public enum HuggingFaceHub {
    /// The hub cache directory: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let hub = environment["HF_HUB_CACHE"], !hub.isEmpty { return hub }
        if let home = environment["HF_HOME"], !home.isEmpty { return home + "/hub" }
        let user = environment["HOME"] ?? NSHomeDirectory()
        return user + "/.cache/huggingface/hub"
    }

    /// The snapshot directory of `name` ("ORG/NAME") at `revision` (a ref such as "main", or a commit
    /// hash): models--ORG--NAME/snapshots/<commit>/, the commit read from refs/<revision>.
    public static func snapshotDirectory(name: String, revision: String = "main",
                                         cacheDirectory: String? = nil) throws(LlamaError) -> String {
        let cache = cacheDirectory ?? Self.cacheDirectory()
        let repo = cache + "/models--" + name.replacingOccurrences(of: "/", with: "--")
        var commit = revision
        let refPath = repo + "/refs/" + revision
        if let data = FileManager.default.contents(atPath: refPath),
           let text = String(data: data, encoding: .utf8) {
            commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let snapshot = repo + "/snapshots/" + commit
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: snapshot + "/config.json", isDirectory: &isDirectory),
              !isDirectory.boolValue else {
            throw .modelNotFound(name: "\(name)@\(revision)", searched: snapshot)
        }
        return snapshot
    }
}
