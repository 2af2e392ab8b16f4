/// The data of a PAX extended header ('x'): records "<length> <key>=<value>\n" that override
/// the next entry's ustar fields. pipe writes `path` (long or non-ASCII paths) and `size`
/// (8 GiB and more), and reads those two; other keys (mtime, uid...) are ignored, since
/// pipe's archives carry neither.
enum PaxRecords {
    /// The header data for `records`, in order.
    static func encode(_ records: [(key: String, value: [UInt8])]) -> [UInt8] {
        var data: [UInt8] = []
        for (key, value) in records {
            // The length counts its own digits: grow it until it is self-consistent.
            let rest = 1 + key.utf8.count + 1 + value.count + 1    // " " key "=" value "\n"
            var length = rest + 1
            while String(length).utf8.count + rest != length { length = String(length).utf8.count + rest }
            data += Array("\(length) \(key)=".utf8) + value + [UInt8(ascii: "\n")]
        }
        return data
    }

    /// The records in `data` by key (a later record for a key wins), or nil if they are malformed.
    static func decode(_ data: [UInt8]) -> [String: [UInt8]]? {
        var records: [String: [UInt8]] = [:]
        var start = 0
        while start < data.count {
            guard let space = data[start...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[start..<space], as: UTF8.self)),
                  length > space - start, start + length <= data.count,
                  data[start + length - 1] == UInt8(ascii: "\n"),
                  let equals = data[(space + 1)..<(start + length)].firstIndex(of: UInt8(ascii: "="))
            else { return nil }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            records[key] = Array(data[(equals + 1)..<(start + length - 1)])
            start += length
        }
        return records
    }
}
