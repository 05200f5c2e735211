import Foundation

/// A shared stack of work for a fixed set of threads: `pop` waits while others may still add
/// work, and returns nil once everything is done (or the walk was cancelled).
final class WorkQueue<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []
    private var active = 0
    private var cancelled = false

    func push(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// The next item, counted as active until `finish()`; nil when there is nothing left to do.
    func pop() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && active > 0 && !cancelled { condition.wait() }
        if cancelled || items.isEmpty {
            condition.broadcast()
            return nil
        }
        active += 1
        return items.removeLast()
    }

    func finish() {
        condition.lock()
        active -= 1
        if active == 0 && items.isEmpty { condition.broadcast() }
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
