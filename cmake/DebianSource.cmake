# A library Debian ships only for Linux, built for the cross target from Debian's own source
# package, into the build tree, at configure time:
#
#   wq_debian_source_package(PACKAGE benchmark [MATCH_INSTALLED libbenchmark-dev]
#                            [CMAKE_ARGS -DX=Y ...])
#
# fetches the source package with `apt-get source` through a private sources list and apt state
# folder under ${CMAKE_BINARY_DIR}/debian-source/ — the machine's own apt configuration, lists and
# caches are neither read for sources nor written — unpacks it with dpkg-source (Debian's patches
# applied), configures it with this build's toolchain file and installs it into
# ${CMAKE_BINARY_DIR}/debian-source/prefix, which goes first on CMAKE_PREFIX_PATH (and
# CMAKE_FIND_ROOT_PATH) so that find_package finds it as it finds a system package. The version
# is the one of the Linux package MATCH_INSTALLED names where it is installed (the same library
# on both sides), else Debian's current one. Once built, a later configure reuses it (a stamp per
# package and version). In CMAKE_ARGS, @UPSTREAM_VERSION@ stands for the package's upstream
# version (what debian/rules passes some projects). The suite comes from /etc/os-release (VERSION_CODENAME); the mirror is
# deb.debian.org, Debian's own.
#
# Nothing is downloaded from anywhere but Debian, and nothing lands in the repository.

set(WQ_DEBIAN_SOURCE_DIR "${CMAKE_BINARY_DIR}/debian-source")
set(WQ_DEBIAN_SOURCE_PREFIX "${WQ_DEBIAN_SOURCE_DIR}/prefix")

# Runs a command in `dir`; a failure stops the configure with its output.
function(wq_debian_source_run what dir)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
    WORKING_DIRECTORY "${dir}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Debian source package: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

# The private apt tree: a deb-src list for this machine's suite, and state, cache and lists of its
# own (apt-get update writes only there).
function(wq_debian_source_apt out_options)
  set(apt "${WQ_DEBIAN_SOURCE_DIR}/apt")
  file(MAKE_DIRECTORY "${apt}/lists/partial" "${apt}/cache/archives/partial" "${apt}/parts")
  set(codename "")
  if(EXISTS /etc/os-release)
    file(STRINGS /etc/os-release line REGEX "^VERSION_CODENAME=")
    string(REGEX REPLACE "^VERSION_CODENAME=\"?([a-z]+)\"?$" "\\1" codename "${line}")
  endif()
  if(codename STREQUAL "")
    message(FATAL_ERROR "Debian source package: no VERSION_CODENAME in /etc/os-release (not Debian?)")
  endif()
  file(WRITE "${apt}/sources.list"
    "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
    "http://deb.debian.org/debian ${codename} main\n")
  set(options
    -o "Dir::Etc::SourceList=${apt}/sources.list" -o "Dir::Etc::SourceParts=${apt}/parts"
    -o "Dir::State=${apt}" -o "Dir::State::Lists=${apt}/lists"
    -o "Dir::Cache=${apt}/cache" -o "Dir::State::status=/var/lib/dpkg/status"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  if(NOT EXISTS "${apt}/updated")
    find_program(WQ_APT_GET apt-get REQUIRED)
    wq_debian_source_run("apt-get update (private lists)" "${apt}" ${WQ_APT_GET} ${options} update)
    file(WRITE "${apt}/updated" "")
  endif()
  set(${out_options} ${options} PARENT_SCOPE)
endfunction()

function(wq_debian_source_package)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "PACKAGE;MATCH_INSTALLED" "CMAKE_ARGS")
  set(version "")
  if(arg_MATCH_INSTALLED)
    execute_process(COMMAND dpkg-query -W -f=\${Version} ${arg_MATCH_INSTALLED}
      RESULT_VARIABLE rc OUTPUT_VARIABLE installed ERROR_QUIET)
    if(rc EQUAL 0 AND NOT installed STREQUAL "")
      set(version "${installed}")
    endif()
  endif()
  set(stamp "${WQ_DEBIAN_SOURCE_PREFIX}/.${arg_PACKAGE}-${version}")
  list(PREPEND CMAKE_PREFIX_PATH "${WQ_DEBIAN_SOURCE_PREFIX}")
  list(PREPEND CMAKE_FIND_ROOT_PATH "${WQ_DEBIAN_SOURCE_PREFIX}")
  set(CMAKE_PREFIX_PATH "${CMAKE_PREFIX_PATH}" PARENT_SCOPE)
  set(CMAKE_FIND_ROOT_PATH "${CMAKE_FIND_ROOT_PATH}" PARENT_SCOPE)
  if(EXISTS "${stamp}")
    return()
  endif()
  message(STATUS "Debian source package ${arg_PACKAGE} ${version}: fetching and building for "
                 "${CMAKE_SYSTEM_NAME} into ${WQ_DEBIAN_SOURCE_PREFIX}")
  find_program(WQ_APT_GET apt-get REQUIRED)
  find_program(WQ_DPKG_SOURCE dpkg-source REQUIRED)
  wq_debian_source_apt(apt_options)
  set(work "${WQ_DEBIAN_SOURCE_DIR}/${arg_PACKAGE}")
  file(REMOVE_RECURSE "${work}")
  file(MAKE_DIRECTORY "${work}")
  set(spec "${arg_PACKAGE}")
  if(NOT version STREQUAL "")
    set(spec "${arg_PACKAGE}=${version}")
  endif()
  wq_debian_source_run("apt-get source ${spec}" "${work}"
    ${WQ_APT_GET} ${apt_options} source --download-only ${spec})
  file(GLOB dsc "${work}/*.dsc")
  file(STRINGS "${dsc}" fetched REGEX "^Version: ")
  string(REGEX REPLACE "^Version: ([0-9]+:)?([^-]+)(-.*)?$" "\\2" upstream "${fetched}")
  string(REPLACE "@UPSTREAM_VERSION@" "${upstream}" cmake_args "${arg_CMAKE_ARGS}")
  wq_debian_source_run("dpkg-source -x ${dsc}" "${work}" ${WQ_DPKG_SOURCE} --no-check -x ${dsc} src)
  set(toolchain "")
  if(CMAKE_TOOLCHAIN_FILE)
    set(toolchain "-DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}")
  endif()
  wq_debian_source_run("${arg_PACKAGE}: configure" "${work}"
    ${CMAKE_COMMAND} -S src -B build -G "${CMAKE_GENERATOR}" ${toolchain}
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
    "-DCMAKE_INSTALL_PREFIX=${WQ_DEBIAN_SOURCE_PREFIX}" ${cmake_args})
  wq_debian_source_run("${arg_PACKAGE}: build" "${work}" ${CMAKE_COMMAND} --build build)
  wq_debian_source_run("${arg_PACKAGE}: install" "${work}" ${CMAKE_COMMAND} --install build)
  file(WRITE "${stamp}" "${spec}\n")
endfunction()
