# llama.cpp for the local tier, as the imported target switchyard::llama.
#
# SWITCHYARD_LLAMA chooses where the libraries come from:
#   prebuilt (default)  the shared libraries @node-llama-cpp/linux-x64 ships, with headers
#                       from the same release's source; nothing to compile
#   source              built from the pinned source by scripts/fetch-llama.sh --source, in a
#                       cache folder outside the checkout so it is built once per version
#   system              find_package(llama), for distributions that package llama.cpp
#
# Besides include directories and libraries, the target carries two definitions:
#   SWITCHYARD_LLAMA_MODELS_DIR   llama.cpp's models/ folder (tokenizer-only GGUF files)
#   SWITCHYARD_LLAMA_BACKEND_DIR  where ggml's dynamically loaded CPU backends are
set(SWITCHYARD_LLAMA "prebuilt" CACHE STRING "Where llama.cpp comes from: prebuilt, source, system")
set_property(CACHE SWITCHYARD_LLAMA PROPERTY STRINGS prebuilt source system)

add_library(switchyard_llama INTERFACE)
add_library(switchyard::llama ALIAS switchyard_llama)

if(SWITCHYARD_LLAMA STREQUAL "system")
  find_package(llama REQUIRED)
  target_link_libraries(switchyard_llama INTERFACE llama)
  target_compile_definitions(switchyard_llama INTERFACE
    SWITCHYARD_LLAMA_MODELS_DIR="${SWITCHYARD_LLAMA_MODELS_DIR}"
    SWITCHYARD_LLAMA_BACKEND_DIR="")
  return()
endif()

set(fetch_args "")
if(SWITCHYARD_LLAMA STREQUAL "source")
  set(fetch_args "--source")
elseif(NOT SWITCHYARD_LLAMA STREQUAL "prebuilt")
  message(FATAL_ERROR "SWITCHYARD_LLAMA must be prebuilt, source or system")
endif()
execute_process(
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/fetch-llama.sh ${fetch_args}
  OUTPUT_VARIABLE fetch_output
  RESULT_VARIABLE fetch_result)
if(NOT fetch_result EQUAL 0)
  message(FATAL_ERROR "scripts/fetch-llama.sh failed; see its output above")
endif()
string(STRIP "${fetch_output}" fetch_output)
string(REGEX REPLACE ".*\n" "" llama_cache "${fetch_output}")
set(llama_src "${llama_cache}/src")

# The libraries are copied next to the binaries, whose RUNPATH is $ORIGIN, so the build tree
# runs as it is and ggml finds its CPU backends in the same folder.
if(SWITCHYARD_LLAMA STREQUAL "source")
  file(GLOB llama_libs "${llama_cache}/build-source/bin/*.so*")
else()
  file(GLOB llama_libs "${llama_cache}/prebuilt/*.so")
endif()
set(llama_lib_dir "${CMAKE_BINARY_DIR}/lib")
file(COPY ${llama_libs} DESTINATION "${llama_lib_dir}")

function(switchyard_import_llama_lib name pattern)
  file(GLOB found "${llama_lib_dir}/${pattern}")
  list(GET found 0 path)
  add_library(${name} SHARED IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${path}")
  target_link_libraries(switchyard_llama INTERFACE ${name})
endfunction()
switchyard_import_llama_lib(switchyard_llama_common "libllama-common.so")
switchyard_import_llama_lib(switchyard_llama_core "libllama.*so")
switchyard_import_llama_lib(switchyard_ggml "libggml.*so")
switchyard_import_llama_lib(switchyard_ggml_base "libggml-base.so")

target_include_directories(switchyard_llama SYSTEM INTERFACE
  "${llama_src}/include" "${llama_src}/ggml/include" "${llama_src}/common" "${llama_src}/vendor")
target_compile_definitions(switchyard_llama INTERFACE
  SWITCHYARD_LLAMA_MODELS_DIR="${llama_src}/models"
  SWITCHYARD_LLAMA_BACKEND_DIR="${llama_lib_dir}")
target_link_options(switchyard_llama INTERFACE "-Wl,-rpath,${llama_lib_dir}")
message(STATUS "llama.cpp (${SWITCHYARD_LLAMA}) from ${llama_cache}")
