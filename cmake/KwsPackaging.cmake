# The Debian package (CPack's DEB generator; tools/package.sh drives it and
# docs/package.md describes it). Only with -DKWS_PACKAGE=ON: man pages need
# help2man, and the rest of the build does not care.
#
#   /usr/bin/kwsd and the tools, man pages from their --help (help2man)
#   /usr/share/kwsd/models, sidecars, systemd drop-ins
#   /etc/kwsd/kwsd.yaml            a conffile (packaging/deb/conffiles)
#   /lib/systemd/system/kwsd.service  enabled on install, restarted on
#                                  upgrade, stopped on remove (maintainer
#                                  scripts with deb-systemd-helper/-invoke)
#   /usr/share/doc/kwsd            README, docs, copyright, changelog
# The unit runs with DynamicUser= and RuntimeDirectory=, so it needs no
# sysusers.d or tmpfiles.d entry. Depends come from dpkg-shlibdeps.
include(GNUInstallDirs)

set(KWS_DEB_DIR ${PROJECT_SOURCE_DIR}/packaging/deb)
set(KWS_MAINTAINER "kwsd developers <kwsd@example.org>")

# Man pages for every installed program, from its usage text.
find_program(HELP2MAN help2man REQUIRED)
find_program(GZIP gzip REQUIRED)
set(man_pages)
foreach(tool kwsd:keyword-spotting\ daemon kws-wyoming:Wyoming\ wake-word\ server
             kws-eval:evaluate\ a\ keyword\ model kws-tune:tune\ keyword\ thresholds
             kws-features:dump\ model\ features)
  string(REPLACE ":" ";" parts "${tool}")
  list(GET parts 0 name)
  list(GET parts 1 what)
  set(page ${CMAKE_BINARY_DIR}/man/${name}.1.gz)
  add_custom_command(
    OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${HELP2MAN} -N --no-discard-stderr --version-string=${PROJECT_VERSION}
            -n "${what}" -o ${CMAKE_BINARY_DIR}/man/${name}.1 $<TARGET_FILE:${name}>
    COMMAND ${GZIP} -9nf ${CMAKE_BINARY_DIR}/man/${name}.1
    DEPENDS ${name}
    COMMENT "man page ${name}.1"
    VERBATIM)
  list(APPEND man_pages ${page})
endforeach()
add_custom_target(kws_man_pages ALL DEPENDS ${man_pages})
install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Debian's own documentation files: copyright, and a compressed changelog.
string(TIMESTAMP kws_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(KWS_VERSION ${PROJECT_VERSION})
set(KWS_DATE ${kws_date})
configure_file(${KWS_DEB_DIR}/changelog.in ${CMAKE_BINARY_DIR}/deb/changelog @ONLY)
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/deb/changelog.gz
  COMMAND ${GZIP} -9nkf ${CMAKE_BINARY_DIR}/deb/changelog
  DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog
  VERBATIM)
add_custom_target(kws_deb_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/deb/changelog.gz ${KWS_DEB_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kwsd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${KWS_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # kwsd_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${KWS_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${KWS_DEB_DIR}/conffiles ${KWS_DEB_DIR}/postinst ${KWS_DEB_DIR}/prerm ${KWS_DEB_DIR}/postrm)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "streaming keyword-spotting daemon")
# The long description; CPack indents it and writes the empty line as " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "kwsd listens to an ALSA microphone all day at a small CPU cost and reports
keywords (wake words) as JSON lines, to a hook program, over a Unix socket,
to an MQTT broker (Home Assistant discovery, Rhasspy Hermes) or as a Wyoming
wake-word server. A second, larger model can confirm each detection.

The package holds the daemon, its systemd unit and the evaluation and
tuning tools with the shipped int8 models.")
include(CPack)
