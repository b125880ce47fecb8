// Heap allocations on the put and dispatch paths, counted over 10^6 puts per back-end by replacing
// the global operator new and (with glibc) malloc, calloc and realloc; on Windows (static runtime,
// under Wine here) operator new only — what the system's own DLLs allocate is not seen. A back-end
// whose wq_backend() line has no PUT_ALLOCATES must allocate nothing once warm; for one with it the
// count is reported. ctest runs it once per back-end (allocations.<name>). Not built with
// sanitizers: their runtimes own malloc.
#include "test_support.hpp"

#include "wq/async_result.hpp"
#include "wq/engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#if defined(_WIN32)
#include <malloc.h>
#endif
#include <new>
#include <string>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
extern "C" void* __libc_malloc(std::size_t size);                     // NOLINT
extern "C" void* __libc_calloc(std::size_t count, std::size_t size);  // NOLINT
extern "C" void* __libc_realloc(void* pointer, std::size_t size);     // NOLINT
#endif

namespace {

std::atomic<bool> counting{false};
std::atomic<std::uint64_t> allocations{0};

void count_one() noexcept {
    if (counting.load(std::memory_order_relaxed)) {
        allocations.fetch_add(1, std::memory_order_relaxed);
    }
}

void* allocate(std::size_t size) {
    count_one();
    if (void* pointer = std::malloc(size == 0 ? 1 : size)) {
        return pointer;
    }
    throw std::bad_alloc();
}

void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
    count_one();
    const auto align = static_cast<std::size_t>(alignment);
#if defined(_WIN32)
    void* pointer = _aligned_malloc(size == 0 ? 1 : size, align);  // no aligned_alloc in its CRT
#else
    void* pointer = std::aligned_alloc(align, (size + align - 1) / align * align);
#endif
    if (pointer != nullptr) {
        return pointer;
    }
    throw std::bad_alloc();
}

void free_aligned(void* pointer) noexcept {
#if defined(_WIN32)
    _aligned_free(pointer);
#else
    std::free(pointer);
#endif
}

}  // namespace

// The replaceable allocation functions: every form routes to the two above. (malloc itself is
// replaced below where glibc lets us reach the real one; those allocations are counted there.)
void* operator new(std::size_t size) {
    return allocate(size);
}
void* operator new[](std::size_t size) {
    return allocate(size);
}
void* operator new(std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
    try {
        return allocate(size);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
    return operator new(size, tag);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
    return allocate_aligned(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
    return allocate_aligned(size, alignment);
}
void operator delete(void* pointer) noexcept {
    std::free(pointer);
}
void operator delete[](void* pointer) noexcept {
    std::free(pointer);
}
void operator delete(void* pointer, std::size_t /*size*/) noexcept {
    std::free(pointer);
}
void operator delete[](void* pointer, std::size_t /*size*/) noexcept {
    std::free(pointer);
}
void operator delete(void* pointer, std::align_val_t /*alignment*/) noexcept {
    free_aligned(pointer);
}
void operator delete[](void* pointer, std::align_val_t /*alignment*/) noexcept {
    free_aligned(pointer);
}
void operator delete(void* pointer, std::size_t /*size*/, std::align_val_t /*alignment*/) noexcept {
    free_aligned(pointer);
}
void operator delete[](void* pointer, std::size_t /*size*/,
                       std::align_val_t /*alignment*/) noexcept {
    free_aligned(pointer);
}

#if defined(__GLIBC__)
// malloc and friends, for libraries that allocate without operator new (oneTBB's tasks, liburing).
// operator new above calls malloc, so an operator new is counted twice: still non-zero, which is
// all the check below asks (zero or not).
extern "C" void* malloc(std::size_t size) {  // NOLINT
    count_one();
    return __libc_malloc(size);
}
extern "C" void* calloc(std::size_t count, std::size_t size) {  // NOLINT
    count_one();
    return __libc_calloc(count, size);
}
extern "C" void* realloc(void* pointer, std::size_t size) {  // NOLINT
    count_one();
    return __libc_realloc(pointer, size);
}
#endif

namespace wq::test {
namespace {

class Allocations : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (const std::string reason = unavailable_reason(GetParam()); !reason.empty()) {
            GTEST_SKIP() << "wq: back-end unavailable: " << reason;
        }
    }
};

// A pool of items cycled through: an item is put again only once its callback has run (the
// queue-once rule), so up to `pool` items are queued at a time — a deep queue and an empty one
// both occur.
struct Pool {
    explicit Pool(std::size_t size) : items(size) {
        for (PoolItem& item : items) {
            item.pCallback = callback.get();
        }
    }
    class PoolItem final : public EmbeddedResult {
    public:
        ULONG AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
        ULONG Release() override { return refs_.fetch_sub(1, std::memory_order_acq_rel) - 1; }
        std::atomic<bool> idle{true};

    private:
        std::atomic<ULONG> refs_{1};
    };
    /// Puts `count` items round the pool; false if a put failed.
    bool put(Engine& engine, std::size_t count) {
        for (std::size_t n = 0; n < count; ++n) {
            PoolItem& item = items[next++ % items.size()];
            // Ends: the engine dispatches every accepted item; yield so a worker sharing our CPU
            // runs.
            while (!item.idle.load(std::memory_order_acquire)) {
                std::this_thread::yield();
            }
            item.idle.store(false, std::memory_order_relaxed);
            if (engine.put(&item) != S_OK) {
                return false;
            }
        }
        return true;
    }

    ComPtr<IMFAsyncCallback> callback = make_callback([](IMFAsyncResult* result) {
        static_cast<PoolItem*>(result)->idle.store(true, std::memory_order_release);
    });
    std::vector<PoolItem> items;
    std::size_t next = 0;
};

TEST_P(Allocations, PutAndDispatchAllocateOnlyWhereTheBackendSaysSo) {
    constexpr std::size_t puts = 1'000'000;
    const bool put_allocates = info_of(GetParam()).put_allocates;
    Options options;
    options.workers = 1;
    auto engine = make_engine(GetParam(), options);
    Pool pool(1024);
    // Warm: the queue has grown to its depth, every thread exists and has its thread-locals.
    ASSERT_TRUE(pool.put(*engine, 100'000));
    ASSERT_TRUE(eventually([&] { return engine->counters().dispatched == 100'000; }));

    allocations.store(0);
    counting.store(true);
    const bool all_put = pool.put(*engine, puts);
    const bool all_ran =
        eventually([&] { return engine->counters().dispatched == 100'000 + puts; });
    counting.store(false);
    const std::uint64_t counted = allocations.load();
    ASSERT_TRUE(all_put);
    ASSERT_TRUE(all_ran);
    ASSERT_EQ(engine->shutdown(), S_OK);

    RecordProperty("allocations", std::to_string(counted));
    std::printf("%s: %llu allocations over %zu puts\n", GetParam().c_str(),
                static_cast<unsigned long long>(counted), puts);
    // A PUT_ALLOCATES back-end may allocate (mpmc: a few times per 10^6 as its queue's blocks
    // turn over; mutex, iocp: a deque block every few dozen items): its count is reported only.
    if (!put_allocates) {
        EXPECT_EQ(counted, 0U) << GetParam() << " allocated on the put or dispatch path";
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, Allocations, ::testing::ValuesIn(built_backends()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             return param.param;
                         });

}  // namespace
}  // namespace wq::test
