import Foundation

/// Builds a JSONValue straight from an Encodable, with the canonical text JSONEncoder followed
/// by JSONDecoder would give, without writing and parsing JSON text: that round trip was most
/// of computing a stage's key, and so of a no-op build.
///
/// It throws `Unsupported` for what JSONEncoder treats specially (Data, Date, URL, Decimal) and
/// for numbers whose text form it cannot promise to match (non-finite, or integral beyond 2^53);
/// callers then take the round trip.
enum JSONValueEncoder {
    struct Unsupported: Error {}

    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try box(value).resolved()
    }

    fileprivate static func box<T: Encodable>(_ value: T) throws -> Node {
        if T.self == Data.self || T.self == Date.self || T.self == URL.self || T.self == Decimal.self {
            throw Unsupported()
        }
        let node = Node()
        try value.encode(to: NodeEncoder(node: node, codingPath: []))
        return node
    }

    /// Integers as JSONDecoder reads their digits back: Int64 when they fit, else a Double.
    fileprivate static func integer<I: BinaryInteger>(_ value: I) -> JSONValue {
        if let exact = Int64(exactly: value) { return .int(exact) }
        return .double(Double(value))
    }

    /// A finite Double below 2^53 in magnitude (or non-integral) prints the same either way.
    fileprivate static func double(_ value: Double) throws -> JSONValue {
        guard value.isFinite, abs(value) < 9.007_199_254_740_992e15 || value != value.rounded() else {
            throw Unsupported()
        }
        return .double(value)
    }

    /// JSONEncoder writes a Float's shortest text, which JSONDecoder reads as a Double.
    fileprivate static func float(_ value: Float) throws -> JSONValue {
        guard value.isFinite, let read = Double("\(value)") else { throw Unsupported() }
        return try double(read)
    }
}

/// A value being encoded: unset, a leaf, or a container its encoders keep adding to.
private final class Node {
    enum Content { case unset, leaf(JSONValue), array([Node]), object([String: Node]) }
    var content = Content.unset

    func resolved() throws -> JSONValue {
        switch content {
        case .unset: throw JSONValueEncoder.Unsupported()   // JSONEncoder refuses an empty value too
        case let .leaf(value): return value
        case let .array(items): return .array(try items.map { try $0.resolved() })
        case let .object(members): return .object(try members.mapValues { try $0.resolved() })
        }
    }

    func set(_ value: JSONValue) { content = .leaf(value) }

    /// Makes this node an object if it is not one yet (two keyed containers share it).
    func makeObject() { if case .object = content {} else { content = .object([:]) } }
    func makeArray() { if case .array = content {} else { content = .array([]) } }

    func setMember(_ key: String, _ node: Node) {
        guard case var .object(members) = content else { return }
        content = .unset   // so the dictionary is uniquely referenced while it changes
        members[key] = node
        content = .object(members)
    }

    func append(_ node: Node) {
        guard case var .array(items) = content else { return }
        content = .unset
        items.append(node)
        content = .array(items)
    }

    var count: Int { if case let .array(items) = content { items.count } else { 0 } }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
}

private struct NodeEncoder: Encoder {
    let node: Node
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedNodeContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedNodeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleNodeContainer(node: node, codingPath: codingPath)
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [CodingKey]

    private func put(_ value: JSONValue, _ key: Key) {
        let leaf = Node()
        leaf.set(value)
        node.setMember(key.stringValue, leaf)
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try JSONValueEncoder.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(try JSONValueEncoder.float(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.setMember(key.stringValue, try JSONValueEncoder.box(value))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> {
        let child = Node()
        node.setMember(key.stringValue, child)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let child = Node()
        node.setMember(key.stringValue, child)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> Encoder {
        let child = Node()
        node.setMember(name, child)
        return NodeEncoder(node: child, codingPath: codingPath + [AnyKey(stringValue: name)])
    }
}

private struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [CodingKey]
    var count: Int { node.count }

    private func put(_ value: JSONValue) {
        let leaf = Node()
        leaf.set(value)
        node.append(leaf)
    }

    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(try JSONValueEncoder.double(value)) }
    mutating func encode(_ value: Float) throws { put(try JSONValueEncoder.float(value)) }
    mutating func encode(_ value: Int) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int8) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int16) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int32) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int64) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt8) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt16) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt32) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt64) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { node.append(try JSONValueEncoder.box(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = Node()
        node.append(child)
        return NodeEncoder(node: child, codingPath: codingPath + [AnyKey(intValue: count - 1)]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let child = Node()
        node.append(child)
        return NodeEncoder(node: child, codingPath: codingPath + [AnyKey(intValue: count - 1)]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        let child = Node()
        node.append(child)
        return NodeEncoder(node: child, codingPath: codingPath + [AnyKey(intValue: count - 1)])
    }
}

private struct SingleNodeContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [CodingKey]

    mutating func encodeNil() throws { node.set(.null) }
    mutating func encode(_ value: Bool) throws { node.set(.bool(value)) }
    mutating func encode(_ value: String) throws { node.set(.string(value)) }
    mutating func encode(_ value: Double) throws { node.set(try JSONValueEncoder.double(value)) }
    mutating func encode(_ value: Float) throws { node.set(try JSONValueEncoder.float(value)) }
    mutating func encode(_ value: Int) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int8) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int16) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int32) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int64) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt8) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt16) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt32) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt64) throws { node.set(JSONValueEncoder.integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let inner = try JSONValueEncoder.box(value)
        node.content = inner.content
    }
}
