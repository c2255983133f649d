// SPDX-License-Identifier: Apache-2.0
#include "storage/sqlite/wal_write_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace wt::storage::sqlite {
namespace {

constexpr const char* kVfsName = "watchtower-wal-write";
constexpr std::size_t kFlushAt = std::size_t{1} << 20;
constexpr std::size_t kMaxWrite = 124 * 1024;  // below the unix VFS's limit of one write (see Flush)

sqlite3_vfs* g_base = nullptr;  // the default VFS, set once before registration

// The file SQLite holds for a WAL: our header, then the real file of the base VFS.
struct WalFile {
    sqlite3_file base;             // pMethods = our methods
    sqlite3_file* real;            // the base VFS's file, in the same allocation
    std::vector<char>* pending;    // contiguous bytes not yet written
    sqlite3_int64 pending_offset;  // file offset of pending->front()
};

WalFile* AsWal(sqlite3_file* file) { return reinterpret_cast<WalFile*>(file); }

int Flush(WalFile* wal) {
    if (wal->pending == nullptr || wal->pending->empty()) return SQLITE_OK;
    // The unix VFS writes at most 128 KiB - 1 per call (seekAndWriteFd masks the length with
    // 0x1ffff and reports a longer write as SQLITE_FULL), so the buffer goes out in chunks.
    int rc = SQLITE_OK;
    const std::size_t size = wal->pending->size();
    for (std::size_t done = 0; done < size && rc == SQLITE_OK; done += kMaxWrite) {
        const std::size_t chunk = std::min(kMaxWrite, size - done);
        rc = wal->real->pMethods->xWrite(wal->real, wal->pending->data() + done, static_cast<int>(chunk),
                                         wal->pending_offset + static_cast<sqlite3_int64>(done));
    }
    wal->pending->clear();
    return rc;
}

int Close(sqlite3_file* file) {
    WalFile* wal = AsWal(file);
    const int flushed = Flush(wal);
    const int closed = wal->real->pMethods->xClose(wal->real);
    delete wal->pending;
    wal->pending = nullptr;
    return flushed != SQLITE_OK ? flushed : closed;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
    WalFile* wal = AsWal(file);
    if (int rc = Flush(wal); rc != SQLITE_OK) return rc;
    return wal->real->pMethods->xRead(wal->real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    WalFile* wal = AsWal(file);
    std::vector<char>& pending = *wal->pending;
    if (!pending.empty() && offset != wal->pending_offset + static_cast<sqlite3_int64>(pending.size())) {
        if (int rc = Flush(wal); rc != SQLITE_OK) return rc;
    }
    if (pending.empty()) wal->pending_offset = offset;
    try {
        const char* bytes = static_cast<const char*>(data);
        pending.insert(pending.end(), bytes, bytes + amount);
    } catch (const std::bad_alloc&) {
        if (int rc = Flush(wal); rc != SQLITE_OK) return rc;
        return wal->real->pMethods->xWrite(wal->real, data, amount, offset);
    }
    return pending.size() >= kFlushAt ? Flush(wal) : SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
    WalFile* wal = AsWal(file);
    if (int rc = Flush(wal); rc != SQLITE_OK) return rc;
    return wal->real->pMethods->xTruncate(wal->real, size);
}

int Sync(sqlite3_file* file, int flags) {
    WalFile* wal = AsWal(file);
    if (int rc = Flush(wal); rc != SQLITE_OK) return rc;
    return wal->real->pMethods->xSync(wal->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
    WalFile* wal = AsWal(file);
    if (int rc = Flush(wal); rc != SQLITE_OK) return rc;
    return wal->real->pMethods->xFileSize(wal->real, size);
}

int Lock(sqlite3_file* file, int level) { return AsWal(file)->real->pMethods->xLock(AsWal(file)->real, level); }
int Unlock(sqlite3_file* file, int level) { return AsWal(file)->real->pMethods->xUnlock(AsWal(file)->real, level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
    return AsWal(file)->real->pMethods->xCheckReservedLock(AsWal(file)->real, out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
    WalFile* wal = AsWal(file);
    if (int rc = Flush(wal); rc != SQLITE_OK) return rc;
    return wal->real->pMethods->xFileControl(wal->real, op, arg);
}

int SectorSize(sqlite3_file* file) { return AsWal(file)->real->pMethods->xSectorSize(AsWal(file)->real); }
int DeviceCharacteristics(sqlite3_file* file) {
    return AsWal(file)->real->pMethods->xDeviceCharacteristics(AsWal(file)->real);
}

// Version 1: a WAL file is never memory-mapped and has no shared-memory methods (those belong to
// the database file, which stays the base VFS's own).
const sqlite3_io_methods kWalMethods = {1,
                                        Close,
                                        Read,
                                        Write,
                                        Truncate,
                                        Sync,
                                        FileSize,
                                        Lock,
                                        Unlock,
                                        CheckReservedLock,
                                        FileControl,
                                        SectorSize,
                                        DeviceCharacteristics,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    if ((flags & SQLITE_OPEN_WAL) == 0) {
        // Not a WAL: the base VFS's file itself, in our (larger) allocation.
        return g_base->xOpen(g_base, name, file, flags, out_flags);
    }
    WalFile* wal = AsWal(file);
    wal->base.pMethods = nullptr;  // until the real file is open: SQLite then skips xClose
    wal->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(WalFile));
    wal->pending = nullptr;
    wal->pending_offset = 0;
    std::memset(wal->real, 0, static_cast<std::size_t>(g_base->szOsFile));
    const int rc = g_base->xOpen(g_base, name, wal->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (wal->real->pMethods != nullptr) wal->real->pMethods->xClose(wal->real);
        return rc;
    }
    wal->pending = new (std::nothrow) std::vector<char>();
    if (wal->pending == nullptr) {
        wal->real->pMethods->xClose(wal->real);
        return SQLITE_NOMEM;
    }
    wal->base.pMethods = &kWalMethods;
    return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_base->xDelete(g_base, name, sync_dir); }
int Access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_base->xAccess(g_base, name, flags, out); }
int FullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
    return g_base->xFullPathname(g_base, name, size, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void DlError(sqlite3_vfs*, int size, char* out) { g_base->xDlError(g_base, size, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return g_base->xDlSym(g_base, handle, symbol); }
void DlClose(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int Randomness(sqlite3_vfs*, int size, char* out) { return g_base->xRandomness(g_base, size, out); }
int Sleep(sqlite3_vfs*, int micros) { return g_base->xSleep(g_base, micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int GetLastError(sqlite3_vfs*, int size, char* out) {
    return g_base->xGetLastError != nullptr ? g_base->xGetLastError(g_base, size, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
    if (g_base->iVersion >= 2 && g_base->xCurrentTimeInt64 != nullptr) return g_base->xCurrentTimeInt64(g_base, out);
    double days = 0;
    const int rc = g_base->xCurrentTime(g_base, &days);
    *out = static_cast<sqlite3_int64>(days * 86400000.0);
    return rc;
}

sqlite3_vfs g_vfs{};

}  // namespace

const char* WalWriteVfsName() {
    static const char* name = []() -> const char* {
        g_base = sqlite3_vfs_find(nullptr);
        if (g_base == nullptr) return nullptr;
        g_vfs.iVersion = 2;
        g_vfs.szOsFile = static_cast<int>(sizeof(WalFile)) + g_base->szOsFile;
        g_vfs.mxPathname = g_base->mxPathname;
        g_vfs.zName = kVfsName;
        g_vfs.xOpen = Open;
        g_vfs.xDelete = Delete;
        g_vfs.xAccess = Access;
        g_vfs.xFullPathname = FullPathname;
        g_vfs.xDlOpen = DlOpen;
        g_vfs.xDlError = DlError;
        g_vfs.xDlSym = DlSym;
        g_vfs.xDlClose = DlClose;
        g_vfs.xRandomness = Randomness;
        g_vfs.xSleep = Sleep;
        g_vfs.xCurrentTime = CurrentTime;
        g_vfs.xGetLastError = GetLastError;
        g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
        return sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0) == SQLITE_OK ? kVfsName : nullptr;
    }();
    return name;
}

}  // namespace wt::storage::sqlite
