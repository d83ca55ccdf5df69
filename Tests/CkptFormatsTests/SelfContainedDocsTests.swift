import CkptTestSupport
import Foundation
import Testing

/// The repository stands alone: its comments and documents cite only files inside it, and every file and
/// section they cite exists.
///
/// `DocReferences` scans `Sources`, `Tests`, `Scripts` and `Samples` (text files only: `.swift`, `.py`,
/// `.md`, `.json`, `.txt`, `.sh`, `.c`, `.h`, `.modulemap`, and extensionless scripts starting with `#!`;
/// nothing under a `.build*` folder; a file holding a NUL byte or invalid UTF-8 counts as binary and is
/// skipped) plus the Markdown files at the top level and in `docs/`, and reports, as `file:line: problem`:
/// - a mention of one of the background documents kept outside the repository, or of the folder that
///   holds them (the names are assembled from pieces below, so this file does not mention them itself);
/// - a relative Markdown link (in Markdown files and in `//` or `#` comment lines) whose file does not
///   exist, or whose `#anchor` is not the anchor of a heading in the Markdown file it points to;
/// - a `docs/…` path or a file name ending in `.md` that names nothing in the repository, resolved from
///   the repository root or from the mentioning file's folder (outputs the scripts write, `writtenFiles`, excepted);
/// - when such a Markdown file is followed on the same line by a comma and quoted section names, a name
///   that is not one of its headings (a heading may add a parenthesised qualifier after the name).
@Suite struct SelfContainedDocsTests {
    @Test func noReferenceLeavesTheRepository() throws {
        let files = try DocReferences.scannedFiles()
        #expect(files.count > 100, "only \(files.count) files found under \(DocReferences.root.path)")
        let problems = files.flatMap { DocReferences.problems(in: $0).filter { $0.kind == .outside } }
        #expect(
            problems.isEmpty, "\(problems.count) references outside the repository:\n\(problems.map(\.description).joined(separator: "\n"))"
        )
    }

    @Test func everyReferenceResolves() throws {
        let problems = try DocReferences.scannedFiles().flatMap { DocReferences.problems(in: $0).filter { $0.kind == .dangling } }
        #expect(problems.isEmpty, "\(problems.count) references to nothing:\n\(problems.map(\.description).joined(separator: "\n"))")
    }

    @Test func readmeListsEveryDocument() throws {
        let readme = try String(contentsOf: DocReferences.root.appendingPathComponent("README.md"), encoding: .utf8)
        let docs = DocReferences.root.appendingPathComponent(DocReferences.docsFolder)
        let names = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let linked = readme.contains("](" + DocReferences.docsFolder + "/" + name + ")")
            #expect(linked, "README.md does not link \(DocReferences.docsFolder)/\(name)")
        }
    }

    /// The checker itself, on lines made up here (checked as if they were in `Sources/Example.swift` or
    /// `README.md`, which need not exist).
    @Test func theCheckerFlagsWhatItShould() {
        let root = DocReferences.root
        let swift = root.appendingPathComponent("Sources/Example.swift")
        let markdown = root.appendingPathComponent("README.md")
        func kinds(_ line: String, in file: URL) -> [DocReferences.Problem.Kind] {
            DocReferences.problems(inText: line, of: file).map(\.kind)
        }
        let docs = DocReferences.docsFolder
        let quote = "\""
        for name in DocReferences.outsideNames {
            #expect(kinds("/// see " + name + " for the layout", in: swift).contains(.outside), "\(name)")
        }
        // Existing files, headings and anchors pass.
        #expect(kinds("/// (" + docs + "/formats.md, " + quote + "GGUF header checks" + quote + ")", in: swift).isEmpty)
        #expect(kinds("/// layout in FORMAT" + ".md, " + quote + "Compression" + quote, in: swift).isEmpty)
        #expect(kinds("see [the rows](" + docs + "/paper-formulas.md#report-rows)", in: markdown).isEmpty)
        #expect(kinds("https://example.com/" + docs + "/elsewhere" + ".md is a URL", in: markdown).isEmpty)
        // Missing files, headings and anchors do not.
        #expect(kinds("/// (" + docs + "/nowhere" + ".md)", in: swift) == [.dangling])
        #expect(kinds("/// (" + docs + "/formats.md, " + quote + "No such section" + quote + ")", in: swift) == [.dangling])
        #expect(kinds("[x](" + docs + "/formats.md#no-such-anchor)", in: markdown) == [.dangling])
        #expect(kinds("[x](Nowhere/else.txt)", in: markdown) == [.dangling])
        #expect(kinds("see nowhere" + ".md", in: markdown) == [.dangling])
    }
}

/// Finds references in the repository's text files; see `SelfContainedDocsTests`.
enum DocReferences {
    static let root = Samples.root.standardizedFileURL
    static let docsFolder = "docs"

    /// The background documents that live outside the repository, and their folder, assembled from
    /// pieces so that this file never spells them.
    static let outsideNames: [String] = {
        let stems = ["FORMATS", "ARCHITECTURES", "FORMULAS", "DESIGN", "PEERS", "STYLE"]
        return stems.map { $0 + "." + "md" } + ["shared" + "/", ".." + "/" + "shared"]
    }()

    static let textExtensions: Set<String> = ["swift", "py", "md", "json", "txt", "sh", "c", "h", "modulemap"]
    static let scannedFolders = ["Sources", "Tests", "Scripts", "Samples"]

    struct Problem: CustomStringConvertible {
        enum Kind: Equatable { case outside, dangling }
        var file: String
        var line: Int
        var kind: Kind
        var message: String
        var description: String { "\(file):\(line): \(message)" }
    }

    /// Every text file the check covers, sorted by path.
    static func scannedFiles() throws -> [URL] {
        let manager = FileManager.default
        var files: [URL] = []
        for folder in scannedFolders {
            let keys: [URLResourceKey] = [.isDirectoryKey, .isRegularFileKey]
            guard let walk = manager.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: keys) else {
                continue
            }
            for case let url as URL in walk {
                let values = try url.resourceValues(forKeys: Set(keys))
                if values.isDirectory == true {
                    if url.lastPathComponent.hasPrefix(".build") { walk.skipDescendants() }
                    continue
                }
                guard values.isRegularFile == true else { continue }
                let suffix = url.pathExtension
                if textExtensions.contains(suffix) || (suffix.isEmpty && startsWithShebang(url)) { files.append(url) }
            }
        }
        for folder in [root, root.appendingPathComponent(docsFolder)] {
            let names = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            files += names.filter { $0.hasSuffix(".md") }.map { folder.appendingPathComponent($0) }
        }
        return files.map(\.standardizedFileURL).sorted { $0.path < $1.path }
    }

    static func startsWithShebang(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 2)) == Data("#!".utf8)
    }

    /// The lines of a text file; nil for a binary one (a NUL byte, or not UTF-8).
    static func lines(of url: URL) -> [String]? {
        guard let data = try? Data(contentsOf: url), !data.contains(0),
            let text = String(validating: data, as: UTF8.self)
        else { return nil }
        return text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    }

    static func problems(in url: URL) -> [Problem] {
        guard let lines = lines(of: url) else { return [] }
        return problems(inText: lines.joined(separator: "\n"), of: url)
    }

    /// The problems of `text`, read as the contents of `url`.
    static func problems(inText text: String, of url: URL) -> [Problem] {
        let relative = url.path.hasPrefix(root.path + "/") ? String(url.path.dropFirst(root.path.count + 1)) : url.path
        let folder = url.deletingLastPathComponent()
        let isMarkdown = url.pathExtension == "md"
        let slashComments = ["swift", "c", "h", "modulemap"].contains(url.pathExtension)
        var found: [Problem] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" }).map(String.init).enumerated() {
            func report(_ kind: Problem.Kind, _ message: String) {
                found.append(Problem(file: relative, line: index + 1, kind: kind, message: message))
            }
            for name in outsideNames where line.contains(name) {
                report(.outside, "mentions \(name), which lives outside the repository")
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if isMarkdown || trimmed.hasPrefix(slashComments ? "//" : "#") {
                for target in matches(of: markdownLink, in: line) {
                    if let problem = checkLink(target, from: url, folder: folder) { report(.dangling, problem) }
                }
            }
            for (path, rest) in mentions(in: line) where !writtenFiles.contains((path as NSString).lastPathComponent) {
                guard let file = resolve(path, from: folder) else {
                    report(.dangling, "names \(path), which is not in the repository")
                    continue
                }
                guard file.pathExtension == "md" else { continue }
                let headingNames = headings(of: file)
                for section in quotedSections(after: rest)
                where !headingNames.contains(where: { $0 == section || $0.hasPrefix(section + " (") }) {
                    report(.dangling, "names section \"\(section)\" of \(path), which has no such heading")
                }
            }
        }
        return found
    }

    /// Markdown files the project's scripts write (`Scripts/convert-zoo`'s report), not documents: their
    /// mentions name an output, which need not exist in the repository.
    static let writtenFiles: Set<String> = ["report.md"]

    // MARK: - Links, mentions, headings

    /// A Markdown link or image; captures its target.
    static let markdownLink = try! NSRegularExpression(pattern: #"\[[^\]\n]*\]\(([^)\s]+)\)"#)

    /// A `docs/…` path or a name ending in `.md`, optionally after folders, not inside a URL or a longer
    /// name.
    static let mention = try! NSRegularExpression(
        pattern: #"(?<![A-Za-z0-9_./:\-])((?:[A-Za-z0-9_.\-]+/)*(?:"# + docsFolder
            + #"/[A-Za-z0-9_./\-]*[A-Za-z0-9_\-]|[A-Za-z0-9_.\-]+\.md))(?![A-Za-z0-9_])"#)

    /// First capture group of every match of `regex` in `line`.
    static func matches(of regex: NSRegularExpression, in line: String) -> [String] {
        regex.matches(in: line, range: NSRange(line.startIndex..., in: line)).compactMap {
            Range($0.range(at: 1), in: line).map { String(line[$0]) }
        }
    }

    /// Each mentioned path with the rest of the line after it.
    static func mentions(in line: String) -> [(path: String, rest: Substring)] {
        mention.matches(in: line, range: NSRange(line.startIndex..., in: line)).compactMap {
            guard let range = Range($0.range(at: 1), in: line) else { return nil }
            return (String(line[range]), line[range.upperBound...])
        }
    }

    /// Quoted section names right after a document's name: `, "A", "B" …` up to a closing parenthesis.
    static func quotedSections(after rest: Substring) -> [String] {
        let start = rest.drop(while: { $0 == "," }).drop(while: { $0 == " " })
        guard rest.hasPrefix(","), start.hasPrefix("\"") else { return [] }
        let segment = start.prefix(while: { $0 != ")" })
        let parts = segment.split(separator: "\"", omittingEmptySubsequences: false)
        // Quoted text sits between the 1st and 2nd quote, the 3rd and 4th, and so on.
        return stride(from: 1, to: parts.count - 1, by: 2).map { String(parts[$0]) }
    }

    /// A file `path` names, from the repository root or from `folder`.
    static func resolve(_ path: String, from folder: URL) -> URL? {
        for base in [root, folder] {
            let url = base.appendingPathComponent(path).standardizedFileURL
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// Why a Markdown link target does not resolve, or nil when it does (URLs are not checked).
    static func checkLink(_ target: String, from file: URL, folder: URL) -> String? {
        if target.range(of: #"^[A-Za-z][A-Za-z0-9+.\-]*:"#, options: .regularExpression) != nil { return nil }
        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let path = (parts.first.map(String.init) ?? "").removingPercentEncoding ?? ""
        let anchor = parts.count > 1 ? String(parts[1]) : ""
        let destination = path.isEmpty ? file : folder.appendingPathComponent(path).standardizedFileURL
        guard FileManager.default.fileExists(atPath: destination.path) else {
            return "links to \(target), which is not in the repository"
        }
        guard !anchor.isEmpty, destination.pathExtension == "md" else { return nil }
        guard headings(of: destination).map(slug).contains(anchor) else {
            return "links to \(target), but \(destination.lastPathComponent) has no heading with that anchor"
        }
        return nil
    }

    /// The headings of a Markdown file (outside code fences), without their `#` marks.
    static func headings(of url: URL) -> [String] {
        var inFence = false
        var result: [String] = []
        for line in lines(of: url) ?? [] {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inFence.toggle()
                continue
            }
            guard !inFence, line.hasPrefix("#") else { continue }
            result.append(line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces))
        }
        return result
    }

    /// GitHub's anchor for a heading: lower case, spaces to hyphens, punctuation other than `-` and `_`
    /// dropped.
    static func slug(_ heading: String) -> String {
        var anchor = ""
        for character in heading.lowercased() {
            if character.isLetter || character.isNumber || character == "-" || character == "_" {
                anchor.append(character)
            } else if character == " " {
                anchor.append("-")
            }
        }
        return anchor
    }
}
