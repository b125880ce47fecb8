# The back-end registry's one list. Each back-end of a build is one line,
#
#   wq_backend(NAME CLASS HEADER SOURCES... DESCRIPTION "..." IDLE_WAIT "..."
#              [LIBRARY_THREADS] [NO_PINNING] [PUT_ALLOCATES] [UNORDERED] [NO_PRODUCER_ORDER] [NEEDS_CALLBACK]
#              [WORKERS_ADVISORY] [LIBRARIES ...]
#              [INCLUDE_DIR dir])
#
# in the top-level CMakeLists.txt (inside an if() where the back-end is platform- or
# option-specific): everything the project knows of a back-end. The line adds the sources to
# wq::engine and the name to WQ_BACKENDS (ctest's conformance.<name> entries); then
# wq_write_backend_list() writes wq/backend_list.hpp: the C++ type list from which make_engine's
# registry, the benchmarks (concrete and type-erased) and wq_icount take their back-ends, and each
# back-end's facts as wq::detail::traits_of<CLASS> (wq::BackendTraits), which the registry's
# catalogue, the benchmarks' JSON context and so every script read. Nothing else names a back-end.
#
#   NAME         make_engine's name; CLASS is detail::Complete<Core>, Core derived from
#                detail::EngineBase<Core, "NAME"> with a protected constructor (both checked at
#                compile time)
#   HEADER       as it is #included; INCLUDE_DIR where it is, when that is not include/ (a
#                back-end kept elsewhere, such as the test-only one under tests/)
#   DESCRIPTION  one line for listings; IDLE_WAIT where an idle worker waits ("futex", ...)
#   LIBRARY_THREADS  a library or the OS owns the threads: parks are not observable
#   NO_PINNING       Options::worker_cpus is refused (the threads are someone else's to place):
#                    the benchmarks leave such a back-end's workers unpinned
#   PUT_ALLOCATES    put or dispatch may allocate in steady state (ctest allocations.<name>: a
#                    back-end without it must allocate nothing over 10^6 puts; with it, reported)
#   UNORDERED        with one worker, items may run out of put order (items put one after the
#                    other, from one thread or several): the MF layer then orders a STANDARD
#                    queue's items itself (ctest mfapi.<name>: AOneThreadQueueRunsInPutOrder)
#   NO_PRODUCER_ORDER  with one worker, even one producer's items may run out of put order (without
#                    it, one worker runs each producer thread's items in the order that thread put
#                    them: ctest conformance.<name>: OneWorkerKeepsEachProducersOrder)
#   NEEDS_CALLBACK   an item with no callback (hEvent only) is refused with E_POINTER: the queue
#                    beneath calls the callback when it queues the item (MFPutWorkItemEx)
#   WORKERS_ADVISORY Options::workers does not bound how many callbacks run at once (the pool
#                    beneath sizes itself): one worker need not mean one callback at a time

#
# A back-end a build leaves out (an option off, a dependency the target lacks) is one line too,
#
#   wq_backend_not_built(NAME DESCRIPTION "..." REASON "...")
#
# so that the catalogue still lists it, unavailable, with REASON ("not in this build: REASON"):
# listings, make_engine's refusal, the tests' skips and the benchmarks' context say why.

set(WQ_BACKENDS "")
set(WQ_BACKENDS_NOT_BUILT "")
set(WQ_NOT_BUILT_ENTRIES "")
set(WQ_BACKEND_CLASSES "")
set(WQ_BACKEND_HEADERS "")
set(WQ_BACKEND_TRAITS "")

function(wq_backend name class header)
  cmake_parse_arguments(PARSE_ARGV 3 ARG "LIBRARY_THREADS;NO_PINNING;PUT_ALLOCATES;UNORDERED;NO_PRODUCER_ORDER;NEEDS_CALLBACK;WORKERS_ADVISORY" "INCLUDE_DIR;DESCRIPTION;IDLE_WAIT"
                        "SOURCES;LIBRARIES")
  foreach(required SOURCES DESCRIPTION IDLE_WAIT)
    if(NOT ARG_${required})
      message(FATAL_ERROR "wq_backend(${name}): give its ${required}")
    endif()
  endforeach()
  if(name IN_LIST WQ_BACKENDS)
    message(FATAL_ERROR "wq_backend(${name}): registered twice")
  endif()
  target_sources(wq_engine PRIVATE ${ARG_SOURCES})
  if(ARG_LIBRARIES)
    target_link_libraries(wq_engine PRIVATE ${ARG_LIBRARIES})
  endif()
  if(ARG_INCLUDE_DIR)
    target_include_directories(wq_backend_list INTERFACE ${ARG_INCLUDE_DIR})
  endif()
  # Each flag decides one trait: FLAG:variable:the trait's value when the flag is given (the
  # opposite otherwise), as the generated C++ spells it.
  foreach(flag IN ITEMS LIBRARY_THREADS:own:false NO_PINNING:pins:false PUT_ALLOCATES:allocates:true
                        UNORDERED:fifo:false NO_PRODUCER_ORDER:producer_fifo:false
                        NEEDS_CALLBACK:event_items:false
                        WORKERS_ADVISORY:bounded:false)
    string(REPLACE ":" ";" flag "${flag}")
    list(GET flag 0 option)
    list(GET flag 1 variable)
    list(GET flag 2 given)
    if(ARG_${option})
      set(${variable} ${given})
    elseif(given)
      set(${variable} false)
    else()
      set(${variable} true)
    endif()
  endforeach()
  foreach(text DESCRIPTION IDLE_WAIT)
    string(REPLACE "\\" "\\\\" ARG_${text} "${ARG_${text}}")
    string(REPLACE "\"" "\\\"" ARG_${text} "${ARG_${text}}")
  endforeach()
  set(WQ_BACKENDS ${WQ_BACKENDS} ${name} PARENT_SCOPE)
  set(WQ_BACKEND_CLASSES ${WQ_BACKEND_CLASSES} ${class} PARENT_SCOPE)
  set(WQ_BACKEND_HEADERS ${WQ_BACKEND_HEADERS} ${header} PARENT_SCOPE)
  set(WQ_BACKEND_TRAITS "${WQ_BACKEND_TRAITS}template <>
inline constexpr BackendTraits traits_of<${class}>{
    .name = \"${name}\",
    .description = \"${ARG_DESCRIPTION}\",
    .idle_wait = \"${ARG_IDLE_WAIT}\",
    .owns_threads = ${own},
    .parks_observable = ${own},
    .pins_workers = ${pins},
    .put_allocates = ${allocates},
    .one_worker_fifo = ${fifo},
    .producer_fifo = ${producer_fifo},
    .event_items = ${event_items},
    .workers_bound_callbacks = ${bounded}};
static_assert(${class}::backend_name == \"${name}\",
              \"wq_backend(${name} ...) names a class whose EngineBase name differs\");
static_assert(is_complete_backend<${class}>,
              \"wq_backend(${name} ...): publish the back-end as detail::Complete<Core>, the \"
              \"core's constructor protected\");

" PARENT_SCOPE)
endfunction()

function(wq_backend_not_built name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "DESCRIPTION;REASON" "")
  foreach(required DESCRIPTION REASON)
    if(NOT ARG_${required})
      message(FATAL_ERROR "wq_backend_not_built(${name}): give its ${required}")
    endif()
    string(REPLACE "\\" "\\\\" ARG_${required} "${ARG_${required}}")
    string(REPLACE "\"" "\\\"" ARG_${required} "${ARG_${required}}")
  endforeach()
  if(name IN_LIST WQ_BACKENDS OR name IN_LIST WQ_BACKENDS_NOT_BUILT)
    message(FATAL_ERROR "wq_backend_not_built(${name}): registered twice")
  endif()
  set(WQ_BACKENDS_NOT_BUILT ${WQ_BACKENDS_NOT_BUILT} ${name} PARENT_SCOPE)
  set(WQ_NOT_BUILT_ENTRIES "${WQ_NOT_BUILT_ENTRIES}
    NotBuilt{\"${name}\", \"${ARG_DESCRIPTION}\", \"${ARG_REASON}\"},"
      PARENT_SCOPE)
endfunction()

# Writes <build>/backends/wq/backend_list.hpp from the wq_backend() lines so far (rewritten only
# when it changes, so a re-configure does not rebuild everything).
function(wq_write_backend_list)
  set(includes "")
  foreach(header IN LISTS WQ_BACKEND_HEADERS)
    string(APPEND includes "#include \"${header}\"\n")
  endforeach()
  list(JOIN WQ_BACKEND_CLASSES ",\n                           " classes)
  list(LENGTH WQ_BACKENDS_NOT_BUILT not_built_count)
  if(not_built_count EQUAL 0)
    set(not_built "")
  else()
    set(not_built "{${WQ_NOT_BUILT_ENTRIES}\n}")
  endif()
  file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/backends/wq/backend_list.hpp" @ONLY CONTENT
"// wq/backend_list.hpp — generated by CMake from the wq_backend() lines (cmake/WqBackends.cmake):
// every back-end of this build, in registry order, and its facts. Internal to the build; not
// installed.
#pragma once

#include \"wq/detail/backend_list.hpp\"
${includes}
#include <array>

namespace wq::detail {

using Backends = BackendList<${classes}>;

/// The back-ends this build leaves out (wq_backend_not_built), each with why.
inline constexpr std::array<NotBuilt, ${not_built_count}> not_built{${not_built}};

${WQ_BACKEND_TRAITS}}  // namespace wq::detail
")
endfunction()
