"""The result list: the search field, hit rows and their painting, tags, links, empty states, memory."""
