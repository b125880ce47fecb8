# FindConcurrentQueue — moodycamel::ConcurrentQueue (header-only; Debian: libconcurrentqueue-dev).
# Defines the imported target ConcurrentQueue::ConcurrentQueue, whose include directory makes
# `#include <concurrentqueue.h>` work.
find_path(ConcurrentQueue_INCLUDE_DIR concurrentqueue.h
  PATH_SUFFIXES concurrentqueue concurrentqueue/moodycamel
  DOC "Directory holding moodycamel's concurrentqueue.h")
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ConcurrentQueue REQUIRED_VARS ConcurrentQueue_INCLUDE_DIR)
if(ConcurrentQueue_FOUND AND NOT TARGET ConcurrentQueue::ConcurrentQueue)
  add_library(ConcurrentQueue::ConcurrentQueue INTERFACE IMPORTED)
  # SYSTEM: its warnings are not ours to fix.
  set_target_properties(ConcurrentQueue::ConcurrentQueue PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ConcurrentQueue_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${ConcurrentQueue_INCLUDE_DIR}")
endif()
mark_as_advanced(ConcurrentQueue_INCLUDE_DIR)
