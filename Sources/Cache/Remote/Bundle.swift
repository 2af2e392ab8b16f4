import Foundation

/// A closure of stage results in one file, for machines that share no remote:
/// `bundle.tar.zst` is one zstd frame of a ustar archive holding the same entries as a remote,
/// `ac/<key>` (RemoteAction JSON) and `cas/<sha256>` (raw blob bytes), blobs first.
/// Importing goes through RemoteCache.pull, so every blob is checked against its digest.
public enum Bundle {
    /// Writes the records and their blobs to `destination` (temp file + rename). Returns bytes written.
    @discardableResult
    public static func export(_ records: [ActionRecord], from store: ArtifactStore, to destination: URL) throws -> Int {
        var files: [(path: String, data: Data)] = []
        var seen = Set<Digest>()
        for record in records {
            for digest in record.blobs where seen.insert(digest).inserted {
                files.append(("cas/\(digest.hex)", try store.get(digest)))
            }
        }
        for record in records { files.append(("ac/\(record.key.hex)", RemoteAction.encode(record))) }
        let compressed: Data
        do { compressed = try ZstdFrame.compress(TarArchive.write(files)) } catch let error as ZstdError {
            throw RemoteError.badBundle(path: destination.path, reason: "compression failed: \(error.message)")
        }
        do { try compressed.write(to: destination, options: .atomic) } catch {
            throw RemoteError.io(path: destination.path, reason: "cannot write (\(error.localizedDescription))")
        }
        return compressed.count
    }

    /// Imports every result in the bundle at `source`; returns the records now in the store.
    public static func importBundle(from source: URL, into store: ArtifactStore) throws -> [ActionRecord] {
        let path = source.path
        let compressed: Data
        do { compressed = try Data(contentsOf: source) } catch {
            throw RemoteError.badBundle(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        let files: [(path: String, data: Data)]
        do { files = try TarArchive.read(try ZstdFrame.decompress(compressed)) }
        catch let error as ZstdError { throw RemoteError.badBundle(path: path, reason: "not zstd: \(error.message)") }
        catch let error as TarArchive.Malformed { throw RemoteError.badBundle(path: path, reason: error.reason) }
        let remote = BundleRemote(location: path, files: files)
        let cache = RemoteCache(store: store, remote: remote)
        var imported: [ActionRecord] = []
        for (name, _) in files where name.hasPrefix("ac/") {
            guard let key = Digest(hex: String(name.dropFirst(3))) else {
                throw RemoteError.badBundle(path: path, reason: "entry '\(name)' is not ac/<sha256>")
            }
            guard let record = try cache.pull(key: key) else {
                throw RemoteError.badBundle(path: path, reason: "result \(key.short) names a blob the bundle lacks")
            }
            try store.setHead(stage: record.stage, key: key)
            imported.append(record)
        }
        return imported
    }
}

/// A bundle's entries seen as a read-only remote.
struct BundleRemote: Remote {
    let location: String
    let entries: [String: Data]

    init(location: String, files: [(path: String, data: Data)]) {
        self.location = location
        entries = Dictionary(files.map { ($0.path, $0.data) }, uniquingKeysWith: { first, _ in first })
    }

    func get(_ namespace: RemoteNamespace, _ name: String) throws -> Data? { entries["\(namespace.rawValue)/\(name)"] }
    func has(_ namespace: RemoteNamespace, _ name: String) throws -> Bool { entries["\(namespace.rawValue)/\(name)"] != nil }
    func put(_ namespace: RemoteNamespace, _ name: String, _ data: Data) throws {
        throw RemoteError.io(path: location, reason: "a bundle is read-only")
    }
    func download(_ namespace: RemoteNamespace, _ name: String, to file: URL) throws -> Bool {
        guard let data = try get(namespace, name) else { return false }
        do { try data.write(to: file) } catch {
            throw RemoteError.io(path: file.path, reason: "cannot write (\(error.localizedDescription))")
        }
        return true
    }
    func upload(_ namespace: RemoteNamespace, _ name: String, from file: URL) throws {
        throw RemoteError.io(path: location, reason: "a bundle is read-only")
    }
}
