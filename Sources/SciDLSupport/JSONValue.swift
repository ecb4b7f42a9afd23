import Foundation

/// JSON has no NaN or infinity, and Foundation's writer stops with an internal error on one: every summary
/// goes through `jsonSafe`, which writes a non-finite number as null (a statistic that could not be computed).
public func jsonSafe(_ value: Any) -> Any {
    switch value {
    case let d as Double: return d.isFinite ? d : NSNull()
    case let f as Float: return f.isFinite ? Double(f) : NSNull()
    case let a as [Any]: return a.map(jsonSafe)
    case let o as [String: Any]: return o.mapValues(jsonSafe)
    default: return value
    }
}

/// Pretty-printed JSON with sorted keys, non-finite numbers as null.
public func jsonData(_ value: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: jsonSafe(value), options: [.prettyPrinted, .sortedKeys])
}
