import Dispatch
import Foundation
import LayerpinDigest
import LayerpinIgnore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tree the context walk can read: the file system, or a git commit. Directories are opened by
/// their path from the root, checked against the identity their parent's listing recorded.
protocol ContextSource: Sendable {
    associatedtype Directory
    func openRoot() throws(LayerpinError) -> Directory
    /// Opens the directory `entry` (listed by its parent) by its path from the root.
    func open(_ entry: ContextEntry) throws(LayerpinError) -> Directory
    func close(_ directory: Directory)
    /// The children of a directory in name order, each with its kind and stat fields (no symlink
    /// targets yet). Each child directory also goes to `directoryFound` as soon as it is known,
    /// before its siblings are: the walk hands it to another thread at once.
    func children(
        of directory: Directory, path: [UInt8], directoryFound: (ContextEntry) -> Void
    ) throws(LayerpinError) -> [SourceChild]
    /// The target of a symlink child.
    func linkTarget(_ path: [UInt8], name: [UInt8], in directory: Directory, size: Int64) throws(LayerpinError)
        -> [UInt8]
    /// Checks that a file child could be read (when the listing must promise it).
    func checkReadable(_ path: [UInt8], name: [UInt8], in directory: Directory) throws(LayerpinError)
}

/// A child of a directory: an entry, or something that cannot be part of a context (a FIFO,
/// socket or device; a git submodule), which is an error only when the context would include it.
enum SourceChild: Sendable {
    case entry(ContextEntry)
    case special(path: [UInt8], kind: SpecialFileKind)

    var path: [UInt8] {
        switch self {
        case .entry(let entry): entry.path
        case .special(let path, _): path
        }
    }
}

/// Walks a context source the way BuildKit's context transfer does: `.dockerignore` applied as
/// tonistiigi/fsutil applies it, symlinks listed and never followed, never leaving the root.
///
/// An excluded directory is skipped whole unless an exception may reach inside it; then it is
/// entered, and sent as the engine generation sends it (see `IgnoreMatcher`): always on Docker
/// 20.10, only with something below it on current Docker. An unreadable directory that is excluded is skipped
/// silently, as Docker does; one that would be sent is an error. A FIFO, socket or device that
/// would be sent is an error (the walk never opens one).
///
/// Directories are listed by several threads at once (the kernel's per-entry `lstat` cost is what
/// a walk spends its time on); the result is in path-byte order, whatever the threads did.
struct ContextWalker<Source: ContextSource>: Sendable {
    var source: Source
    var matcher: IgnoreMatcher
    /// Also check that every file is readable (for listings that do not hash).
    var checkReadable: Bool
    /// Threads listing directories.
    var threads: Int = 1

    /// A directory to list: the root (nil), or an entry whose parent listed it.
    private struct Work: Sendable {
        var directory: ContextEntry?
        /// Inside an excluded directory that an exception made the walk enter: failing to open it
        /// is not an error (the engine skips what it cannot read there).
        var tolerant: Bool
        /// Where its listing goes in the walk's table of listings (the root's is 0).
        var slot: Int
        /// What the directory's own verdict hands its children.
        var inherited: IgnoreMatcher.Inherited
    }

    /// The entries of one directory, sorted by name, and for each the slot of its own listing
    /// (a directory the walk entered) or -1, and whether it is an excluded directory that is sent
    /// only with something below it. (Each entry is optional so that it can move out, `take()`n,
    /// into the walk's result: copying it would touch its path's reference count.)
    private struct Listing {
        var entries: [ContextEntry?] = []
        var slots: [Int] = []
        var onlyWithDescendants: [Bool] = []
    }

    func walk() throws(LayerpinError) -> [ContextEntry] {
        let queue = WorkQueue<Work>()
        let nextSlot = Atomic<Int>(1)
        queue.push(Work(directory: nil, tolerant: false, slot: 0, inherited: IgnoreMatcher.Inherited()))
        let listed = Mutex<[(Int, Listing)]>([])
        let failure = Mutex<LayerpinError?>(nil)
        FileSystem.onThreads(threads) { _ in
            var local: [(Int, Listing)] = []
            while let work = queue.pop() {
                var listing = Listing()
                let result = Result { () throws(LayerpinError) in
                    try list(work, into: &listing.entries) { child, tolerant, inherited in
                        let slot = nextSlot.add(1, ordering: .relaxed).oldValue
                        queue.push(Work(directory: child, tolerant: tolerant, slot: slot, inherited: inherited))
                        return slot
                    } slots: { slot, onlyWithDescendants in
                        listing.slots.append(slot)
                        listing.onlyWithDescendants.append(onlyWithDescendants)
                    }
                }
                local.append((work.slot, listing))
                queue.finish()
                if case .failure(let error) = result {
                    failure.withLock { if $0 == nil { $0 = error } }
                    queue.cancel()
                }
            }
            listed.withLock { $0 += local }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var listings = [Listing?](repeating: nil, count: nextSlot.load(ordering: .relaxed))
        // Taken out of the lock, so each listing is held once and its entries can move.
        for (slot, listing) in listed.withLock({ listed in
            defer { listed = [] }
            return listed
        }) { listings[slot] = listing }
        Self.dropUnsentDirectories(&listings)
        var entries: [ContextEntry] = []
        entries.reserveCapacity(listings.reduce(0) { $0 + ($1?.entries.count ?? 0) })
        Self.emit(slot: 0, prefix: 0, from: &listings, into: &entries)
        return entries
    }

    /// Removes each directory that is sent only with something below it and has nothing below it,
    /// deepest first (a child's slot is always greater than its parent's).
    private static func dropUnsentDirectories(_ listings: inout [Listing?]) {
        var sendsSomething = [Bool](repeating: false, count: listings.count)
        for slot in listings.indices.reversed() {
            guard var listing = listings[slot] else { continue }
            if listing.onlyWithDescendants.contains(true) {
                let keep = listing.entries.indices.filter { index in
                    !listing.onlyWithDescendants[index]
                        || (listing.slots[index] >= 0 && sendsSomething[listing.slots[index]])
                }
                listing.entries = keep.map { listing.entries[$0] }
                listing.slots = keep.map { listing.slots[$0] }
                listing.onlyWithDescendants = keep.map { listing.onlyWithDescendants[$0] }
                listings[slot] = listing
            }
            sendsSomething[slot] = !listing.entries.isEmpty
        }
    }

    /// Appends the entries below a directory in path-byte order without sorting them all: among
    /// siblings (each listing is sorted by name), a directory's own entry sorts by its name and its
    /// descendants as one block keyed `name/` — `a` < `a-b` < `a.c` < `a/x` — so each
    /// directory's children only need interleaving with their siblings' blocks. `prefix` is the
    /// length of the directory's path and its `/` (0 at the root). Each entry moves from its
    /// listing into `entries`: none is copied, and no listing is left holding one.
    private static func emit(
        slot: Int, prefix: Int, from listings: inout [Listing?], into entries: inout [ContextEntry]
    ) {
        guard var listing = listings[slot].take() else { return }
        var children: [ContextEntry?] = []
        swap(&children, &listing.entries)
        // Children whose descendants' block is still to come, with their paths. A later sibling
        // that sorts before such a block extends the child's name with a byte below "/" (`a-b`
        // before `a/`), and so does its own block: the stack's top is always the first block due.
        var blocks: [(index: Int, path: [UInt8])] = []
        func emitBlock(_ block: (index: Int, path: [UInt8])) {
            emit(slot: listing.slots[block.index], prefix: block.path.count + 1, from: &listings, into: &entries)
        }
        for index in children.indices {
            while let last = blocks.last, keyPrecedes(last.path, true, children[index]!.path, false, from: prefix) {
                emitBlock(blocks.removeLast())
            }
            if listing.slots[index] >= 0 && listings[listing.slots[index]] != nil {
                blocks.append((index, children[index]!.path))
            }
            entries.append(children[index].take()!)
        }
        while let last = blocks.popLast() { emitBlock(last) }
    }

    /// Lists one directory: appends its entries and hands on the directories to walk next.
    /// `schedule` queues a directory child to be listed (tolerating failure to open it or not, with
    /// what its verdict hands on) and returns its slot; `slots` receives, for each appended entry,
    /// that slot or -1, and whether the entry is sent only with something below it.
    private func list(
        _ work: Work, into entries: inout [ContextEntry?],
        schedule: (ContextEntry, Bool, IgnoreMatcher.Inherited) -> Int, slots: (Int, Bool) -> Void
    ) throws(LayerpinError) {
        let directory: Source.Directory
        if let entry = work.directory {
            if work.tolerant {
                guard let opened = try? source.open(entry) else { return }
                directory = opened
            } else {
                directory = try source.open(entry)
            }
        } else {
            directory = try source.openRoot()
        }
        defer { source.close(directory) }
        let path = work.directory?.path ?? []
        // Each child directory the walk enters, scheduled as soon as the source finds it: its path,
        // its slot, and whether it is sent only with something below it.
        var entered: [(path: [UInt8], slot: Int, onlyWithDescendants: Bool)] = []
        let children = try source.children(of: directory, path: path) { child in
            let (excluded, inherited) = matcher.verdict(child.path, inherited: work.inherited)
            if !excluded {
                entered.append((child.path, schedule(child, false, inherited), false))
            } else if matcher.mustEnterExcludedDirectory(child.path) {
                entered.append((child.path, schedule(child, true, inherited), !matcher.sendsEnteredDirectories))
            }
        }
        entered.sort { RawPath.precedes($0.path, $1.path) }
        var nextEntered = 0
        for sourceChild in children {
            guard case .entry(var child) = sourceChild else {
                let (excluded, _) = matcher.verdict(sourceChild.path, inherited: work.inherited)
                if excluded { continue }
                guard case .special(let specialPath, let kind) = sourceChild else { continue }
                throw .specialFile(path: specialPath, kind: kind)
            }
            var name: [UInt8] { Array(child.path.suffix(from: path.isEmpty ? 0 : path.count + 1)) }
            switch child.kind {
            case .directory:
                // Judged when the source found it; children come in name order, and so do the
                // entered directories among them.
                guard nextEntered < entered.count, entered[nextEntered].path == child.path else { continue }
                entries.append(child)
                slots(entered[nextEntered].slot, entered[nextEntered].onlyWithDescendants)
                nextEntered += 1
            case .file:
                if matcher.verdict(child.path, inherited: work.inherited).excluded { continue }
                if checkReadable { try source.checkReadable(child.path, name: name, in: directory) }
                entries.append(child)
                slots(-1, false)
            case .symlink:
                if matcher.verdict(child.path, inherited: work.inherited).excluded { continue }
                child.linkTarget = try source.linkTarget(child.path, name: name, in: directory, size: child.size)
                child.stamp.size = Int64(child.linkTarget!.count)
                entries.append(child)
                slots(-1, false)
            }
        }
    }
}

/// Compares `lhs[start...]` (+ "/" when `lhsSlash`) with the same for `rhs`, by bytes, without
/// building either key.
private func keyPrecedes(_ lhs: [UInt8], _ lhsSlash: Bool, _ rhs: [UInt8], _ rhsSlash: Bool, from start: Int) -> Bool {
    lhs.withUnsafeBufferPointer { left in
        rhs.withUnsafeBufferPointer { right in
            let leftName = UnsafeBufferPointer(rebasing: left[start...])
            let rightName = UnsafeBufferPointer(rebasing: right[start...])
            let common = min(leftName.count, rightName.count)
            if common > 0 {
                let order = memcmp(leftName.baseAddress!, rightName.baseAddress!, common)
                if order != 0 { return order < 0 }
            }
            // One name is a prefix of the other (or they are equal): the next byte decides, where
            // a block's key continues with "/" and a plain name ends. (Names hold no "/", so the
            // two next bytes never tie.)
            let slash = Int(RawPath.separator)
            let leftNext = common < leftName.count ? Int(leftName[common]) : (lhsSlash ? slash : -1)
            let rightNext = common < rightName.count ? Int(rightName[common]) : (rhsSlash ? slash : -1)
            return leftNext < rightNext
        }
    }
}
