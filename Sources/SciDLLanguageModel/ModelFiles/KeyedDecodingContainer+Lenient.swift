// Model folders' JSON files are read as transformers reads them: a field of an unexpected type is ignored, not
// fatal (the loader then says which required value is missing).

extension KeyedDecodingContainer {
    /// The value at `key`, or nil when it is absent, null or not a `T`.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
