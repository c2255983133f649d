// SPDX-License-Identifier: Apache-2.0
#include "rules/time_zone.hpp"

#include <date/tz.h>

#include <chrono>
#include <exception>

namespace wt::rules {

Result<TimeZone> TimeZone::Find(std::string_view name) {
    if (name.empty() || name.size() > 64) return Error::Validation("time_zone", "is not a known IANA time zone");
    try {
        const date::time_zone* zone = date::locate_zone(name);
        TimeZone result;
        result.zone_ = zone;
        result.name_ = std::string(name);
        return result;
    } catch (const std::exception&) {
        // date::locate_zone reports an unknown name (and an unreadable database) by throwing.
        return Error::Validation("time_zone", "\"" + std::string(name) + "\" is not a known IANA time zone");
    }
}

UnixMicros TimeZone::ToLocal(UnixMicros t) const {
    if (zone_ == nullptr) return t;
    using Micros = std::chrono::microseconds;
    auto zone = static_cast<const date::time_zone*>(zone_);
    date::sys_time<Micros> instant{Micros{t}};
    auto info = zone->get_info(instant);
    return t + std::chrono::duration_cast<Micros>(info.offset).count();
}

}  // namespace wt::rules
