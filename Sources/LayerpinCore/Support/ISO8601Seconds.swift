/// Whole seconds of an ISO 8601 timestamp with an offset (git's `%cI`: `2026-11-25T15:04:05+01:00`).
enum ISO8601Seconds {
    static func parse(_ text: String) -> Int64? {
        let scalars = Array(text.utf8)
        guard scalars.count >= 20 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int64? {
            Int64(String(decoding: scalars[start..<start + length], as: UTF8.self))
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var offset: Int64 = 0
        let zone = scalars[19...]
        if zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"), zone.count >= 6,
            let hours = number(20, 2), let minutes = number(23, 2)
        {
            offset = (hours * 3600 + minutes * 60) * (zone.first == UInt8(ascii: "-") ? -1 : 1)
        } else if zone.first != UInt8(ascii: "Z") {
            return nil
        }
        // Days from the civil date (proleptic Gregorian), as in Howard Hinnant's algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return days * 86400 + hour * 3600 + minute * 60 + second - offset
    }
}
