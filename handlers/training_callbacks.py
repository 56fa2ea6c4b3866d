"""Callback-data prefixes of the trainings, subscriptions, broadcasts and form buttons.

Packed with :func:`handlers.callbacks.pack` (64-byte limit). Every id in them is looked up
again and every staff action re-checks ``context.is_staff``: callback data can be forged.
"""

from __future__ import annotations

TRAININGS = "tr"  # tr | tr:<page>            upcoming trainings (users)
TRAINING = "trv"  # trv:<training_id>          one training
REGISTER = "trr"  # trr:<training_id>          start the registration form
UNREGISTER = "trc"  # trc:<training_id>[:y]    cancel my registration (ask, then confirm)
MANAGE_LIST = "trm"  # trm                      all trainings (staff)
MANAGE = "tra"  # tra:<training_id>            a training's staff screen
EDIT = "tre"  # tre:<training_id>[:<field>]    pick a field, then edit it (staff)
STATUS = "trs"  # trs:<training_id>:<status>   publish, back to draft, cancel (staff)
REGISTRANTS = "trx"  # trx:<training_id>       registrants as a CSV file (staff)
ANNOUNCE = "trb"  # trb:<training_id>          a broadcast to the registrants (staff)
FORM = "fm"  # fm:<step>:<value> | fm:cancel   a button of the open form
TOPIC = "subt"  # subt:<topic>                  switch one announcement topic
BROADCAST = "bc"  # bc:<action>:<broadcast_id>  p(ause) r(esume) x (cancel?) xy (cancel!) v(iew)
BROADCASTS = "bcl"  # bcl                        recent broadcasts (staff)
