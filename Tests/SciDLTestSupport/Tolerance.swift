import SciDLTensor
import SciDLLanguageModel
import XCTest

/// How far a value may be from its reference, element by element: |a − b| ≤ absolute + relative · |b|.
///
/// Each reference test sets its tolerance near three times the worst difference measured against the
/// reference (`Difference.worst` prints it), and says which.
public struct Tolerance: CustomStringConvertible, Sendable {
    public var absolute: Double
    public var relative: Double

    public init(absolute: Double, relative: Double) { (self.absolute, self.relative) = (absolute, relative) }

    public func allows(_ a: Float, _ b: Float) -> Bool {
        abs(Double(a) - Double(b)) <= absolute + relative * abs(Double(b))
    }

    public var description: String { "\(absolute) + \(relative)·|reference|" }
}

/// The worst differences between values and their reference, split the way a `Tolerance` is: the absolute
/// difference where the reference is below 1 in size, the relative one where it is 1 or more.
public struct Difference: CustomStringConvertible, Sendable {
    public private(set) var absolute = 0.0
    public private(set) var relative = 0.0

    public init() {}

    public mutating func include<A: Collection<Float>, B: Collection<Float>>(_ actual: A, _ expected: B) {
        for (a, b) in zip(actual, expected) {
            let d = abs(Double(a) - Double(b))
            if abs(b) < 1 { absolute = max(absolute, d) } else { relative = max(relative, d / Double(abs(b))) }
        }
    }

    public var description: String {
        String(format: "worst %.2g absolute (|ref| < 1), %.2g relative", absolute, relative)
    }
}

/// Asserts every element of `actual` is within `tolerance` of `expected`, naming the first that is not.
/// Adds the differences to `worst` for the test to report.
public func assertClose<A: Collection<Float>, B: Collection<Float>>(
    _ actual: A, _ expected: B, _ tolerance: Tolerance, _ what: @autoclosure () -> String,
    worst: inout Difference, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(what()): sizes", file: file, line: line)
    worst.include(actual, expected)
    for (k, (a, b)) in zip(actual, expected).enumerated() where !tolerance.allows(a, b) {
        XCTFail("\(what()) element \(k): \(a) vs reference \(b), beyond \(tolerance)", file: file, line: line)
        return
    }
}

/// Compares a model's hidden states of `texts` at named sites, at the last token and averaged over tokens,
/// with a reference's: `expected(position, text index, site name)`. Small batches on purpose, so several
/// texts share a batch and there is more than one batch.
public func assertHiddenStatesMatch(
    _ model: any LanguageModel, texts: [String], siteNames: [String], tokensPerBatch: Int,
    expected: (TokenPosition, Int, String) throws -> [Float], _ tolerance: Tolerance, worst: inout Difference,
    file: StaticString = #filePath, line: UInt = #line
) throws {
    let sites = try siteNames.map { name in try XCTUnwrap(ActivationSite(name: name), name) }
    for position in [TokenPosition.last, .mean] {
        let states = try model.hiddenStates(
            of: texts, sites: sites, position: position, tokensPerBatch: tokensPerBatch)
        for i in texts.indices {
            for (j, name) in siteNames.enumerated() {
                let offset = (i * sites.count + j) * model.width
                assertClose(
                    states.scalars[offset..<(offset + model.width)], try expected(position, i, name), tolerance,
                    "\(position) \(name) of \(texts[i].prefix(40).debugDescription)", worst: &worst,
                    file: file, line: line)
            }
        }
    }
}
