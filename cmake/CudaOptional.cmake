# Enables CUDA when a toolkit is found; sets MTL4J_WITH_CUDA.
#  - Looks on PATH, then /usr/local/cuda/bin/nvcc (or CUDACXX / -DCMAKE_CUDA_COMPILER).
#  - -DMTL4J_CUDA=OFF disables it; -DMTL4J_CUDA=ON makes a missing toolkit an error.
#  - Architectures: CMAKE_CUDA_ARCHITECTURES if given, else every real arch from 75 up
#    that CUDA 12/13 compile (nvcc 13 dropped everything below sm_75), plus PTX of the
#    newest for forward compatibility.
include(CheckLanguage)

set(MTL4J_CUDA "AUTO" CACHE STRING "Build the CUDA plugin: AUTO, ON or OFF")
set_property(CACHE MTL4J_CUDA PROPERTY STRINGS AUTO ON OFF)
set(MTL4J_WITH_CUDA OFF)

if(NOT MTL4J_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    find_program(MTL4J_NVCC_ON_PATH nvcc)
    if(NOT MTL4J_NVCC_ON_PATH)
      set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
    endif()
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 75-real 80-real 86-real 89-real 90-real 120)
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(MTL4J_WITH_CUDA ON)
    message(STATUS "mtl4j: CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
  elseif(MTL4J_CUDA STREQUAL "ON")
    message(FATAL_ERROR "mtl4j: MTL4J_CUDA=ON but no CUDA compiler was found")
  else()
    message(STATUS "mtl4j: no CUDA toolkit found, building the CPU library only")
  endif()
endif()
