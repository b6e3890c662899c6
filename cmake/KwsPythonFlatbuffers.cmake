# KWS_PYTHON_FLATBUFFERS: a Python 3 interpreter that can import flatbuffers
# (Debian's python3-flatbuffers), for tools/model_strip/kws-model-strip. The
# first of Python3_EXECUTABLE and /usr/bin/python3 that imports it (a pyenv or
# venv Python found first on PATH often lacks Debian's modules); empty if none.
if(NOT KWS_PYTHON_FLATBUFFERS)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  foreach(_kws_py ${Python3_EXECUTABLE} /usr/bin/python3)
    execute_process(COMMAND ${_kws_py} -c "import flatbuffers"
                    RESULT_VARIABLE _kws_py_rc OUTPUT_QUIET ERROR_QUIET)
    if(_kws_py_rc EQUAL 0)
      set(KWS_PYTHON_FLATBUFFERS ${_kws_py} CACHE FILEPATH
          "Python 3 with the flatbuffers module (tools/model_strip)" FORCE)
      break()
    endif()
  endforeach()
endif()
