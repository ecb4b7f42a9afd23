/// A CSV field (RFC 4180), quoted when it holds a comma, quote or newline.
public func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// The records of a CSV text (RFC 4180: fields separated by commas, optionally quoted; quotes inside
/// doubled; newlines allowed in quoted fields); blank lines are skipped. `file` names it in errors.
public func csvRecords(_ text: String, file: String) throws -> [[String]] {
    var records: [[String]] = []
    var field = ""
    var record: [String] = []
    var quoted = false
    var atFieldStart = true
    var iterator = text.unicodeScalars.makeIterator()
    // A byte-order mark (Excel writes one) is not part of the first column's name.
    var pending: Unicode.Scalar? = iterator.next().flatMap { $0 == "\u{FEFF}" ? nil : $0 }
    func next() -> Unicode.Scalar? {
        if let p = pending {
            pending = nil
            return p
        }
        return iterator.next()
    }
    while let c = next() {
        if quoted {
            if c == "\"" {
                if let n = next() {
                    if n == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                        pending = n
                    }
                } else {
                    quoted = false
                }
            } else {
                field.unicodeScalars.append(c)
            }
            continue
        }
        switch c {
        case "\"" where atFieldStart:
            quoted = true
            atFieldStart = false
        case ",":
            record.append(field)
            field = ""
            atFieldStart = true
        case "\n":
            record.append(field)
            field = ""
            atFieldStart = true
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
            record = []
        case "\r": continue
        default:
            field.unicodeScalars.append(c)
            atFieldStart = false
        }
    }
    if quoted { throw SciDLError("\(file) ends inside a quoted field (an unbalanced \")") }
    if !field.isEmpty || !record.isEmpty {
        record.append(field)
        records.append(record)
    }
    return records
}
