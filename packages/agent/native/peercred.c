/*
 * peercred: the credentials of the process at the other end of a connected UNIX socket,
 * read with getsockopt(SO_PEERCRED). The kernel records them when the peer called connect()
 * (or socketpair()), so they cannot be forged by the peer. Linux only.
 *
 * JavaScript API: getPeerCred(fd: number) -> { pid: number, uid: number, gid: number }
 * Throws an Error whose message carries strerror(errno) and whose `code` is the errno name
 * (EBADF, ENOTSOCK, ...) when the kernel refuses, EAFNOSUPPORT for a socket that is not a UNIX
 * socket, ENOTCONN when there is no peer; TypeError/RangeError for a bad fd argument.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <node_api.h>

#ifndef __linux__
#error "peercred uses SO_PEERCRED, which only Linux provides"
#endif

/* Throws a JS Error with `code` and returns NULL, so callers can `return throw_message(...)`. */
static napi_value throw_message(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static const char *errno_name(int err) {
  switch (err) {
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case EINVAL: return "EINVAL";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EFAULT: return "EFAULT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EPEERCRED";
  }
}

static napi_value throw_errno(napi_env env, int fd, const char *option, int err) {
  char message[256];
  snprintf(message, sizeof(message), "getsockopt(%s) on fd %d failed: %s (%s)", option, fd, strerror(err), errno_name(err));
  return throw_message(env, errno_name(err), message);
}

static napi_value set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value number;
  if (napi_create_double(env, value, &number) != napi_ok) return NULL;
  if (napi_set_named_property(env, object, name, number) != napi_ok) return NULL;
  return object;
}

static napi_value get_peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1) return throw_message(env, "ERR_INVALID_ARG_TYPE", "getPeerCred(fd): fd is required");

  napi_valuetype type;
  if (napi_typeof(env, argv[0], &type) != napi_ok) return NULL;
  if (type != napi_number) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "getPeerCred(fd): fd must be a number");
    return NULL;
  }
  double raw_fd;
  if (napi_get_value_double(env, argv[0], &raw_fd) != napi_ok) return NULL;
  if (raw_fd != raw_fd || raw_fd < 0 || raw_fd > 2147483647.0 || (double)(int)raw_fd != raw_fd) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "getPeerCred(fd): fd must be a non-negative integer file descriptor");
    return NULL;
  }
  int fd = (int)raw_fd;

  /* Only UNIX sockets carry peer credentials; on TCP sockets Linux answers with pid 0 and the
     overflow uid instead of an error, which must never be mistaken for a caller. */
  int domain = 0;
  socklen_t domain_length = sizeof(domain);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &domain_length) != 0) return throw_errno(env, fd, "SO_DOMAIN", errno);
  if (domain != AF_UNIX) {
    char message[160];
    snprintf(message, sizeof(message), "fd %d is not a UNIX domain socket (address family %d): peer credentials exist only for UNIX sockets", fd, domain);
    return throw_message(env, "EAFNOSUPPORT", message);
  }

  struct ucred cred;
  socklen_t length = sizeof(cred);
  memset(&cred, 0, sizeof(cred));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) return throw_errno(env, fd, "SO_PEERCRED", errno);
  if (length != sizeof(cred)) {
    return throw_message(env, "EPEERCRED", "getsockopt(SO_PEERCRED) returned a short ucred structure");
  }
  /* An unconnected or listening socket has no peer: the kernel reports pid 0. */
  if (cred.pid <= 0) {
    char message[160];
    snprintf(message, sizeof(message), "fd %d has no peer process (SO_PEERCRED reported pid %d): is the socket connected?", fd, (int)cred.pid);
    return throw_message(env, "ENOTCONN", message);
  }

  napi_value result;
  if (napi_create_object(env, &result) != napi_ok) return NULL;
  if (set_number(env, result, "pid", (double)cred.pid) == NULL) return NULL;
  if (set_number(env, result, "uid", (double)cred.uid) == NULL) return NULL;
  if (set_number(env, result, "gid", (double)cred.gid) == NULL) return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "getPeerCred", NAPI_AUTO_LENGTH, get_peer_cred, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "getPeerCred", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE_INIT() {
  return init(env, exports);
}
