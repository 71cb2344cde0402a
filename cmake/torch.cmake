# Finds LibTorch inside the torch wheel of SWERL_PYTHON (make deps pins it)
# and sets SWERL_HAVE_TORCH. SWERL_BUILD_TRAINER: ON requires it, OFF skips
# it, AUTO builds the trainer when it is found.
set(SWERL_HAVE_TORCH OFF)
if(NOT SWERL_BUILD_TRAINER STREQUAL "OFF")
  if(NOT Torch_DIR)
    execute_process(
      COMMAND ${SWERL_PYTHON} -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE swerl_torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE swerl_torch_rc ERROR_QUIET)
    if(swerl_torch_rc EQUAL 0)
      list(APPEND CMAKE_PREFIX_PATH ${swerl_torch_prefix})
    endif()
  endif()
  # A CUDA wheel's CMake files probe the installed GPUs unless told the
  # architectures; Hopper is what GPU.md measures on. They also inherit
  # CMAKE_CXX_STANDARD for CUDA, which nvcc 13 does not take as C++20.
  if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
    set(ENV{TORCH_CUDA_ARCH_LIST} "9.0")
  endif()
  set(CMAKE_CUDA_STANDARD 17)
  find_package(Torch QUIET)
  if(Torch_FOUND)
    set(SWERL_HAVE_TORCH ON)
    message(STATUS "swerl-train: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
    # The wheel ships c10d's headers but not Gloo's, which ProcessGroupGloo.hpp
    # includes: Debian's libgloo-dev provides them (declarations only; the
    # code is LibTorch's own copy).
    find_path(SWERL_GLOO_INCLUDE gloo/algorithm.h)
    if(NOT SWERL_GLOO_INCLUDE)
      message(FATAL_ERROR "swerl-train needs Gloo's headers for data parallelism: "
                          "apt-get install libgloo-dev (make deps does)")
    endif()
  elseif(SWERL_BUILD_TRAINER STREQUAL "ON")
    message(FATAL_ERROR "SWERL_BUILD_TRAINER=ON but LibTorch was not found (run make deps)")
  else()
    message(STATUS "swerl-train: LibTorch not found, the trainer is not built")
  endif()
endif()
