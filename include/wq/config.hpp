// wq/config.hpp — the one place that decides OS, compiler and architecture.
//
// Every other file branches only on the WQ_* macros defined here. An unknown platform is an error,
// never a silent default: a work-queue engine that guesses its cache-line size or its pause
// instruction measures the wrong thing.
#pragma once

#include <cstddef>

// ---- Operating system -------------------------------------------------------------------------
#if defined(_WIN32)
#define WQ_OS_WINDOWS 1
#define WQ_OS_LINUX 0
#elif defined(__linux__)
#define WQ_OS_WINDOWS 0
#define WQ_OS_LINUX 1
#else
#error "wqbench supports Linux and Windows; this platform is neither (add it here, once)."
#endif

// ---- Compiler ---------------------------------------------------------------------------------
#if defined(__clang__)
#define WQ_COMPILER_CLANG 1
#define WQ_COMPILER_GCC 0
#define WQ_COMPILER_MSVC 0
#elif defined(__GNUC__)
#define WQ_COMPILER_CLANG 0
#define WQ_COMPILER_GCC 1
#define WQ_COMPILER_MSVC 0
#elif defined(_MSC_VER)
#define WQ_COMPILER_CLANG 0
#define WQ_COMPILER_GCC 0
#define WQ_COMPILER_MSVC 1
#else
#error "wqbench is built with GCC, Clang or MSVC; this compiler is none of them."
#endif

// ---- Architecture -----------------------------------------------------------------------------
#if defined(__x86_64__) || defined(_M_X64)
#define WQ_ARCH_X86_64 1
#define WQ_ARCH_AARCH64 0
#elif defined(__aarch64__) || defined(_M_ARM64)
#define WQ_ARCH_X86_64 0
#define WQ_ARCH_AARCH64 1
#else
#error "wqbench supports x86-64 and AArch64; add this architecture's cache line and pause here."
#endif

#if WQ_ARCH_X86_64 && (WQ_COMPILER_GCC || WQ_COMPILER_CLANG)
#include <immintrin.h>
#elif WQ_ARCH_X86_64 && WQ_COMPILER_MSVC
#include <intrin.h>
#endif

// ---- Sanitizers (they change what a spin or a syscall costs; benchmarks report it) --------------
#if defined(__SANITIZE_THREAD__)
#define WQ_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WQ_TSAN 1
#endif
#endif
#ifndef WQ_TSAN
#define WQ_TSAN 0
#endif

// One out-of-line copy of a function: a calibrated loop must run the same machine code when it
// is calibrated and when it is used (two inlined copies can differ in speed by 2x from alignment).
#if WQ_COMPILER_MSVC
#define WQ_NOINLINE __declspec(noinline)
#else
#define WQ_NOINLINE __attribute__((noinline))
#endif

namespace wq {

/// Size of the unit of coherence: what producer and consumer state is padded to, so that one side's
/// writes never invalidate the other side's line (false sharing). 64 on every x86-64 and on the
/// AArch64 cores we target. std::hardware_destructive_interference_size is not used because GCC
/// warns that its value may differ between translation units compiled with different -mtune.
inline constexpr std::size_t cache_line_size = 64;

namespace detail {

/// One iteration of a spin-wait: tells the core this is a busy-wait loop (saves power, and on x86
/// avoids the memory-order machine clear when the awaited line finally changes).
inline void cpu_pause() noexcept {
#if WQ_ARCH_X86_64
    _mm_pause();
#elif WQ_ARCH_AARCH64 && (WQ_COMPILER_GCC || WQ_COMPILER_CLANG)
    __asm__ __volatile__("yield" ::: "memory");
#elif WQ_ARCH_AARCH64 && WQ_COMPILER_MSVC
    __yield();
#endif
}

}  // namespace detail
}  // namespace wq
