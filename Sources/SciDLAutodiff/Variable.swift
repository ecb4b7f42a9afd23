import SciDLTensor

/// A node in a reverse-mode automatic-differentiation graph: a tensor value, its gradient, and how to
/// push a gradient back to the nodes it was computed from.
///
/// Read it like micrograd, with tensors instead of scalars: every operation builds a new `Variable`
/// whose `backward` closure maps the output's gradient to one gradient per parent. `backward()` on a
/// scalar loss visits the graph in reverse topological order and accumulates gradients.
public final class Variable {
    /// The forward value.
    public var value: Tensor
    /// The gradient of the loss with respect to `value`, after `backward()`; `nil` before.
    public var grad: Tensor?
    /// Whether gradients flow into this node (parameters and everything computed from them).
    public let requiresGrad: Bool

    let parents: [Variable]
    let pullback: ((Tensor) -> [Tensor?])?

    /// A leaf: a parameter (`requiresGrad: true`) or a constant input.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parents = []
        self.pullback = nil
    }

    /// An interior node. `pullback` receives d(loss)/d(value) and returns one gradient per parent
    /// (`nil` for parents that need none).
    public init(_ value: Tensor, parents: [Variable], pullback: @escaping (Tensor) -> [Tensor?]) {
        self.value = value
        self.parents = parents
        self.requiresGrad = parents.contains { $0.requiresGrad }
        self.pullback = self.requiresGrad ? pullback : nil
    }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    /// Back-propagates from this node, which must hold one element (a loss), seeding its gradient with 1.
    public func backward() {
        precondition(value.count == 1, "backward() needs a scalar, got shape \(value.shape)")
        var order: [Variable] = []
        var seen = Set<ObjectIdentifier>()
        // Iterative depth-first topological sort: graphs can be deep enough to overflow a recursive one.
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            guard node.requiresGrad, seen.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for p in node.parents where p.requiresGrad { stack.append((p, false)) }
        }
        grad = Tensor(repeating: 1, shape: value.shape)
        for node in order.reversed() {
            guard let pullback = node.pullback, let g = node.grad else { continue }
            let parentGrads = pullback(g)
            for (p, pg) in zip(node.parents, parentGrads) where p.requiresGrad {
                guard let pg else { continue }
                if p.grad == nil { p.grad = pg } else { p.grad!.add(pg) }
            }
            if !node.parents.isEmpty { node.grad = nil }  // interior gradients are not needed after use
        }
    }
}
