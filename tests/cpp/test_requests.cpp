// core/requests.hpp: the frames a client sends, one factory per type.

#include "core/requests.hpp"

#include <doctest/doctest.h>

#include "core/codec.hpp"

using chatlab::encode;

TEST_CASE("chat_message is a chat frame with its text and nothing else") {
  CHECK(encode(chatlab::chat_message("hi")) == "{\"text\":\"hi\",\"type\":\"chat\"}\n");
  CHECK(encode(chatlab::chat_message("")) == "{\"text\":\"\",\"type\":\"chat\"}\n");
}

TEST_CASE("sync_message is a sync frame with its id and nothing else") {
  CHECK(encode(chatlab::sync_message("end")) == "{\"id\":\"end\",\"type\":\"sync\"}\n");
}
